package netns

import "testing"

func TestConfigValidate(t *testing.T) {
	good := Config{Prefix: "dt", Nodes: 5}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, c := range []Config{
		{Prefix: "", Nodes: 3},
		{Prefix: "Dt", Nodes: 3},
		{Prefix: "d-t", Nodes: 3},
		{Prefix: "abcdefghijklm", Nodes: 3},
		{Prefix: "dt", Nodes: 0},
		{Prefix: "dt", Nodes: MaxNodes + 1},
		{Prefix: "dt", Nodes: 3, Subnet: "10.0.0.0/26"},
		{Prefix: "dt", Nodes: 3, Subnet: "fd00::/64"},
		{Prefix: "dt", Nodes: 3, Subnet: "nonsense"},
	} {
		if c.Validate() == nil {
			t.Errorf("%+v: want an error", c)
		}
	}
}

func TestAddresses(t *testing.T) {
	p, err := Config{Prefix: "dt", Nodes: 3, Subnet: "10.1.2.128/25"}.subnet()
	if err != nil {
		t.Fatal(err)
	}
	n := &Net{prefix: "dt", subnet: p, nodes: 3}
	if got := n.NodeIP(1); got != "10.1.2.139" {
		t.Errorf("NodeIP(1) = %s", got)
	}
	if got := n.ClientIP(); got != "10.1.2.228" {
		t.Errorf("ClientIP = %s", got)
	}
	if got := n.Namespace(3); got != "dt-n3" {
		t.Errorf("Namespace(3) = %s", got)
	}
	if err := n.checkNode(4); err == nil {
		t.Error("node 4 of 3 accepted")
	}
}

func TestScopeRules(t *testing.T) {
	a := endpoint{ns: "x-n1", ip: mustAddr("10.77.0.11")}
	b := endpoint{ns: "x-n2", ip: mustAddr("10.77.0.12")}
	rs := ruleSet{}
	rs.cut(a, b, Scope{Ports: []int{PortRaft}}, 0.25)
	rs.cut(a, b, Scope{Reject: true}, 1)
	want := map[string][]string{
		"x-n2": {
			"-A DROVER-FAULTS -s 10.77.0.11 -p tcp -m multiport --ports 7701 -m statistic --mode random --probability 0.250000 -j DROP",
			"-A DROVER-FAULTS -s 10.77.0.11 -p udp -m multiport --ports 7701 -m statistic --mode random --probability 0.250000 -j DROP",
		},
		"x-n1": {
			"-A DROVER-FAULTS -d 10.77.0.12 -p tcp -j REJECT --reject-with tcp-reset",
			"-A DROVER-FAULTS -d 10.77.0.12 -j REJECT --reject-with icmp-port-unreachable",
		},
	}
	for ns, lines := range want {
		if len(rs[ns]) != len(lines) {
			t.Fatalf("%s: got %q", ns, rs[ns])
		}
		for i := range lines {
			if rs[ns][i] != lines[i] {
				t.Errorf("%s rule %d:\n got %s\nwant %s", ns, i, rs[ns][i], lines[i])
			}
		}
	}
}

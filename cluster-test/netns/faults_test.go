package netns

import (
	"errors"
	"strings"
	"syscall"
	"testing"
)

// TestFaults runs each fault on one 3-node network, checks it, heals and
// checks that everything flows again.
func TestFaults(t *testing.T) {
	n := setupNet(t, "nsflt", 3)
	for i := 1; i <= 3; i++ {
		serveTCP(t, n, i, PortRaft)
		serveTCP(t, n, i, PortGossip)
	}
	for _, tc := range []struct {
		name  string
		fault func() error
		check func(t *testing.T)
	}{
		{"partition", func() error { return n.Partition(Scope{}, []int{1}, []int{2}) }, checkPartition(n)},
		{"one way", func() error { return n.BlockOneWay(Scope{}, 1, 2) }, checkOneWay(n)},
		{"port scope", func() error { return n.Partition(Scope{Ports: []int{PortRaft}}, []int{1}, []int{2}) }, checkPortScope(n)},
		{"reject", func() error { return n.Partition(Scope{Reject: true}, []int{1}, []int{2}) }, checkReject(n)},
		{"isolate", func() error { return n.Isolate(Scope{}, 2) }, checkIsolate(n)},
		{"loss", func() error { return n.Loss(2, 1) }, checkLoss(n)},
		{"cut from clients", func() error { return n.IsolateFromClients(2) }, checkFromClients(n)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if err := n.Heal(); err != nil {
					t.Fatal(err)
				}
				checkHealed(t, n)
			}()
			if err := tc.fault(); err != nil {
				t.Fatal(err)
			}
			if f := n.Faults(); len(f) != 1 {
				t.Errorf("Faults() = %q, want one", f)
			}
			tc.check(t)
		})
	}
}

func checkPartition(n *Net) func(t *testing.T) {
	return func(t *testing.T) {
		mustNotConnect(t, n, 1, 2, PortRaft)
		mustNotConnect(t, n, 2, 1, PortRaft)
		mustConnect(t, n, 3, 1, PortRaft)
		mustConnect(t, n, 2, 3, PortRaft)
		mustConnect(t, n, client, 1, PortRaft)
		mustConnect(t, n, client, 2, PortRaft)
	}
}

func checkOneWay(n *Net) func(t *testing.T) {
	return func(t *testing.T) {
		if udpArrives(t, n, 1, 2, noReachTimeout) {
			t.Error("1 -> 2 datagram arrived through a one-way block")
		}
		if !udpArrives(t, n, 2, 1, reachTimeout) {
			t.Error("2 -> 1 datagram lost: only 1 -> 2 is blocked")
		}
	}
}

func checkPortScope(n *Net) func(t *testing.T) {
	return func(t *testing.T) {
		mustNotConnect(t, n, 1, 2, PortRaft)
		mustConnect(t, n, 1, 2, PortGossip)
		mustConnect(t, n, 2, 1, PortGossip)
	}
}

func checkReject(n *Net) func(t *testing.T) {
	return func(t *testing.T) {
		for _, p := range [][2]int{{1, 2}, {2, 1}} {
			err := tcpDial(n, p[0], p[1], PortRaft, reachTimeout)
			if !errors.Is(err, syscall.ECONNREFUSED) {
				t.Errorf("%d -> %d: want connection refused, got %v", p[0], p[1], err)
			}
		}
		mustConnect(t, n, 1, 3, PortRaft)
	}
}

func checkIsolate(n *Net) func(t *testing.T) {
	return func(t *testing.T) {
		mustNotConnect(t, n, 1, 2, PortRaft)
		mustNotConnect(t, n, 3, 2, PortRaft)
		mustNotConnect(t, n, 2, 1, PortRaft)
		mustConnect(t, n, 1, 3, PortRaft)
		mustConnect(t, n, client, 2, PortRaft)
	}
}

func checkLoss(n *Net) func(t *testing.T) {
	return func(t *testing.T) {
		mustNotConnect(t, n, 1, 2, PortRaft)
		mustNotConnect(t, n, 2, 3, PortRaft)
		mustConnect(t, n, client, 2, PortRaft)
		mustConnect(t, n, 1, 3, PortRaft)
	}
}

func checkFromClients(n *Net) func(t *testing.T) {
	return func(t *testing.T) {
		mustNotConnect(t, n, client, 2, PortRaft)
		mustConnect(t, n, client, 1, PortRaft)
		mustConnect(t, n, 1, 2, PortRaft)
	}
}

// checkHealed checks that no fault is left.
func checkHealed(t *testing.T, n *Net) {
	t.Helper()
	if f := n.Faults(); len(f) != 0 {
		t.Errorf("Faults() after Heal = %q", f)
	}
	for _, from := range []int{client, 1, 2} {
		for to := 1; to <= 3; to++ {
			if from != to {
				mustConnect(t, n, from, to, PortRaft)
			}
		}
	}
	if !udpArrives(t, n, 1, 2, reachTimeout) {
		t.Error("1 -> 2 datagram lost after Heal")
	}
}

func TestPartialLossRule(t *testing.T) {
	n := setupNet(t, "nsloss", 2)
	if err := n.Loss(1, 0.3); err != nil {
		t.Fatal(err)
	}
	out, err := iptables(n.Namespace(2), "-S", Chain)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "-s 10.77.0.11/32 -m statistic --mode random --probability 0.2999") {
		t.Fatalf("node 2's chain lacks the loss rule:\n%s", out)
	}
	if got := n.Faults(); len(got) != 1 || got[0] != "loss 30% on node 1" {
		t.Fatalf("Faults() = %q", got)
	}
}

func TestFaultArguments(t *testing.T) {
	n := &Net{prefix: "x", nodes: 3}
	for name, err := range map[string]error{
		"one group":     n.Partition(Scope{}, []int{1, 2}),
		"empty group":   n.Partition(Scope{}, []int{1}, nil),
		"node twice":    n.Partition(Scope{}, []int{1}, []int{1, 2}),
		"node 4":        n.Isolate(Scope{}, 4),
		"to itself":     n.BlockOneWay(Scope{}, 2, 2),
		"loss 0":        n.Loss(1, 0),
		"loss 1.5":      n.Loss(1, 1.5),
		"port 0":        n.Isolate(Scope{Ports: []int{0}}, 1),
		"too many port": n.Isolate(Scope{Ports: make([]int, 16)}, 1),
	} {
		if err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

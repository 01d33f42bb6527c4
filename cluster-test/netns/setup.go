package netns

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Setup builds the network described by cfg (see the package comment). It
// first removes what a crashed run with the same prefix left behind
// (CleanupStale), then writes the state file, then builds; if building
// fails it removes what it made. The caller must call Teardown.
func Setup(cfg Config) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := CheckPrivileges(); err != nil {
		return nil, err
	}
	if err := CleanupStale(cfg.Prefix); err != nil {
		return nil, err
	}
	subnet, _ := cfg.subnet()
	n := &Net{prefix: cfg.Prefix, subnet: subnet, nodes: cfg.Nodes, delayPorts: slices.Clone(cfg.DelayPorts)}
	n.st = state{Prefix: n.prefix, PID: os.Getpid(), Namespaces: n.namespaces()}
	if err := writeState(n.st); err != nil {
		return nil, err
	}
	if err := n.build(); err != nil {
		return nil, errors.Join(err, n.Teardown())
	}
	return n, nil
}

// namespaces lists every namespace of the network, the bridge's last.
func (n *Net) namespaces() []string {
	return append(n.memberNamespaces(), bridgeNS(n.prefix))
}

// build creates the namespaces, the bridge, one link per member, the
// fault chains, and the delay proxy if one was asked for.
func (n *Net) build() error {
	var add strings.Builder
	for _, ns := range n.namespaces() {
		fmt.Fprintf(&add, "netns add %s\n", ns)
	}
	if err := ipBatch("", add.String()); err != nil {
		return err
	}
	if err := n.buildBridge(); err != nil {
		return err
	}
	for _, m := range n.members() {
		if err := n.configure(m); err != nil {
			return err
		}
	}
	if len(n.delayPorts) > 0 {
		return n.startProxy()
	}
	return nil
}

// buildBridge creates the bridge and, in the bridge namespace, one veth
// pair per member whose far end (eth0) is moved into the member's
// namespace at creation, so no link ever exists in the host namespace.
// Ports are named after the member: n1..nN, c.
func (n *Net) buildBridge() error {
	var b strings.Builder
	b.WriteString("link add br0 type bridge forward_delay 0\nlink set br0 up\n")
	for _, m := range n.members() {
		port := strings.TrimPrefix(m.ns, n.prefix+"-")
		fmt.Fprintf(&b, "link add %s type veth peer name eth0 netns %s\n", port, m.ns)
		fmt.Fprintf(&b, "link set %s master br0 up\n", port)
	}
	return ipBatch(bridgeNS(n.prefix), b.String())
}

// configure addresses a member's eth0, brings up its links and installs
// its fault chain.
func (n *Net) configure(m endpoint) error {
	script := fmt.Sprintf("addr add %s/%d dev eth0\nlink set eth0 up\nlink set lo up\n",
		m.ip, n.subnet.Bits())
	if err := ipBatch(m.ns, script); err != nil {
		return err
	}
	return ensureChain(m.ns)
}

package netns

import (
	"fmt"
	"net/netip"
	"sync"
)

// Net is a network built by Setup. Its methods are safe for concurrent use.
type Net struct {
	prefix string
	subnet netip.Prefix
	nodes  int

	mu     sync.Mutex
	st     state    // what exists, as written to the state file
	faults []string // descriptions of the active faults

	delayPorts []int  // Config.DelayPorts
	proxy      *proxy // the delay proxy, nil without DelayPorts
}

// endpoint is a member namespace and its address.
type endpoint struct {
	ns string
	ip netip.Addr
}

// Nodes returns the number of nodes.
func (n *Net) Nodes() int { return n.nodes }

// Prefix returns the prefix of every namespace name.
func (n *Net) Prefix() string { return n.prefix }

// NodeIP returns node i's address (i is 1-based), e.g. 10.77.0.11 for node
// 1. It panics when i is out of range, like an index.
func (n *Net) NodeIP(i int) string { return n.node(i).ip.String() }

// ClientIP returns the client namespace's address (host number 100).
func (n *Net) ClientIP() string { return n.client().ip.String() }

// Namespace returns node i's namespace name; it panics when i is out of
// range. Its file is /run/netns/<name>.
func (n *Net) Namespace(i int) string { return n.node(i).ns }

// ClientNamespace returns the client namespace's name.
func (n *Net) ClientNamespace() string { return clientNS(n.prefix) }

// node returns node i's endpoint, panicking when i is out of range.
func (n *Net) node(i int) endpoint {
	if err := n.checkNode(i); err != nil {
		panic(err)
	}
	return endpoint{ns: nodeNS(n.prefix, i), ip: hostAddr(n.subnet, 10+i)}
}

// nodeAt returns the index of the node with address a, or 0 when a is no
// node's.
func (n *Net) nodeAt(a netip.Addr) int {
	for i := 1; i <= n.nodes; i++ {
		if n.node(i).ip == a {
			return i
		}
	}
	return 0
}

// client returns the client endpoint.
func (n *Net) client() endpoint {
	return endpoint{ns: clientNS(n.prefix), ip: hostAddr(n.subnet, clientHost)}
}

// checkNode reports whether i is a node index.
func (n *Net) checkNode(i int) error {
	if i < 1 || i > n.nodes {
		return fmt.Errorf("netns: node %d out of range 1..%d", i, n.nodes)
	}
	return nil
}

// members returns the endpoints holding a fault chain: the nodes, then the
// client.
func (n *Net) members() []endpoint {
	m := make([]endpoint, 0, n.nodes+1)
	for i := 1; i <= n.nodes; i++ {
		m = append(m, n.node(i))
	}
	return append(m, n.client())
}

// memberNamespaces names the members' namespaces.
func (n *Net) memberNamespaces() []string {
	var names []string
	for _, m := range n.members() {
		names = append(names, m.ns)
	}
	return names
}

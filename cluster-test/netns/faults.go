package netns

import (
	"errors"
	"fmt"
	"slices"
)

// Faults add to each other until Heal. A method that fails may have left
// part of its fault in place; Heal removes it.

// Partition cuts every node of a group from every node of the other groups,
// both ways, for the scoped traffic. Nodes in no group keep talking to
// everybody: Partition(s, []int{1, 2}, []int{4, 5}) is the bridge topology
// in which 3 sees all. The client namespace reaches every node throughout.
func (n *Net) Partition(scope Scope, groups ...[]int) error {
	if err := n.checkGroups(groups); err != nil {
		return err
	}
	return n.cutGroups(scope, groups, fmt.Sprintf("partition %v (%s)", groups, scope))
}

// Isolate cuts node i from every other node, both ways, for the scoped
// traffic; the client namespace still reaches it.
func (n *Net) Isolate(scope Scope, i int) error {
	if err := n.checkNode(i); err != nil {
		return err
	}
	var rest []int
	for j := 1; j <= n.nodes; j++ {
		if j != i {
			rest = append(rest, j)
		}
	}
	return n.cutGroups(scope, [][]int{{i}, rest}, fmt.Sprintf("isolate node %d (%s)", i, scope))
}

// BlockOneWay stops the scoped packets from node `from` to node `to`; the
// reverse direction flows. With TCP, which needs both directions, no new
// connection forms either way; an established one stalls one way.
func (n *Net) BlockOneWay(scope Scope, from, to int) error {
	if err := errors.Join(scope.validate(), n.checkNode(from), n.checkNode(to)); err != nil {
		return err
	}
	if from == to {
		return fmt.Errorf("netns: one-way block from node %d to itself", from)
	}
	rs := ruleSet{}
	rs.cut(n.node(from), n.node(to), scope, 1)
	return n.applyFault(rs, fmt.Sprintf("one-way %d -> %d (%s)", from, to, scope))
}

// Loss drops each packet between node i and any other node, in either
// direction, with the given probability in (0, 1]. The client namespace's
// traffic is not affected.
func (n *Net) Loss(i int, probability float64) error {
	if err := n.checkNode(i); err != nil {
		return err
	}
	if !(probability > 0 && probability <= 1) {
		return fmt.Errorf("netns: loss probability %v: want (0, 1]", probability)
	}
	rs := ruleSet{}
	for j := 1; j <= n.nodes; j++ {
		if j != i {
			rs.cut(n.node(i), n.node(j), Scope{}, probability)
			rs.cut(n.node(j), n.node(i), Scope{}, probability)
		}
	}
	return n.applyFault(rs, fmt.Sprintf("loss %g%% on node %d", probability*100, i))
}

// IsolateFromClients cuts node i from the client namespace, both ways
// (dropped). Heal ends it like any other fault.
func (n *Net) IsolateFromClients(i int) error { return n.CutFromClients(Scope{}, i) }

// CutFromClients cuts node i from the client namespace for the traffic
// scope selects (a port: the NATS port alone, say); nodes still reach it.
func (n *Net) CutFromClients(scope Scope, i int) error {
	if err := n.checkNode(i); err != nil {
		return err
	}
	if err := scope.validate(); err != nil {
		return err
	}
	rs := ruleSet{}
	rs.cut(n.node(i), n.client(), scope, 1)
	rs.cut(n.client(), n.node(i), scope, 1)
	return n.applyFault(rs, fmt.Sprintf("node %d cut from clients (%s)", i, scope))
}

// Heal removes every fault and sets every delay to 0; the topology and
// the delay proxy stay. Faults keeps listing the iptables faults if Heal
// fails. Bytes the proxy already holds keep the delay they were read with.
func (n *Net) Heal() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proxy != nil {
		n.proxy.delays.reset()
	}
	err := parallel(n.memberNamespaces(), flush)
	if err == nil {
		n.faults = nil
	}
	return err
}

// Faults describes the active faults, oldest first, then the delays
// (e.g. "delay 50ms on node 2"), for a report.
func (n *Net) Faults() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	f := slices.Clone(n.faults)
	if n.proxy != nil {
		f = append(f, n.proxy.delays.describe()...)
	}
	return f
}

// cutGroups cuts every pair of nodes in different groups, both ways.
func (n *Net) cutGroups(scope Scope, groups [][]int, desc string) error {
	if err := scope.validate(); err != nil {
		return err
	}
	rs := ruleSet{}
	for gi, g := range groups {
		for _, h := range groups[gi+1:] {
			for _, a := range g {
				for _, b := range h {
					rs.cut(n.node(a), n.node(b), scope, 1)
					rs.cut(n.node(b), n.node(a), scope, 1)
				}
			}
		}
	}
	return n.applyFault(rs, desc)
}

// applyFault installs the rules and records the fault.
func (n *Net) applyFault(rs ruleSet, desc string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if err := rs.apply(); err != nil {
		return fmt.Errorf("netns: %s: %w", desc, err)
	}
	n.faults = append(n.faults, desc)
	return nil
}

// checkGroups reports whether groups name at least two non-empty groups of
// valid nodes, no node twice.
func (n *Net) checkGroups(groups [][]int) error {
	if len(groups) < 2 {
		return fmt.Errorf("netns: a partition needs at least two groups, got %d", len(groups))
	}
	seen := map[int]bool{}
	for _, g := range groups {
		if len(g) == 0 {
			return errors.New("netns: empty group in a partition")
		}
		for _, i := range g {
			if err := n.checkNode(i); err != nil {
				return err
			}
			if seen[i] {
				return fmt.Errorf("netns: node %d in two groups", i)
			}
			seen[i] = true
		}
	}
	return nil
}

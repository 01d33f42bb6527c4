package netns

import (
	"fmt"
	"strconv"
	"strings"
)

// The ports every node uses on its own address.
const (
	PortAPI    = 7700 // gRPC API
	PortRaft   = 7701 // Raft transport
	PortGossip = 7702 // memberlist, TCP and UDP
	PortNATS   = 7703 // NATS clients and routes
	PortHTTP   = 7704 // metrics and debug
)

// maxPorts is iptables' multiport limit.
const maxPorts = 15

// Scope selects the traffic a fault applies to, and how it is stopped.
type Scope struct {
	// Ports, when empty, selects all traffic between the nodes; otherwise
	// only TCP and UDP traffic to or from these ports (at most 15), e.g.
	// []int{PortRaft} for a Raft-only partition.
	Ports []int
	// Reject refuses packets at the sender instead of dropping them at the
	// receiver: TCP gets a reset at once (connection refused or reset),
	// other traffic an ICMP port-unreachable (the send fails).
	Reject bool
}

// validate reports whether the ports can be matched.
func (s Scope) validate() error {
	if len(s.Ports) > maxPorts {
		return fmt.Errorf("netns: %d ports in a scope: at most %d", len(s.Ports), maxPorts)
	}
	for _, p := range s.Ports {
		if p < 1 || p > 65535 {
			return fmt.Errorf("netns: port %d out of range", p)
		}
	}
	return nil
}

// String describes the scope for Faults, e.g. "ports 7701, reject".
func (s Scope) String() string {
	what := "all traffic"
	if len(s.Ports) > 0 {
		what = "ports " + s.portList()
	}
	if s.Reject {
		return what + ", reject"
	}
	return what + ", drop"
}

// portList is the ports, comma-separated.
func (s Scope) portList() string {
	ps := make([]string, len(s.Ports))
	for i, p := range s.Ports {
		ps[i] = strconv.Itoa(p)
	}
	return strings.Join(ps, ",")
}

// selectors returns the protocol matches of the scope's rules, one rule
// each. Rejecting all traffic needs a TCP rule (answered with a reset)
// before the catch-all.
func (s Scope) selectors() []string {
	if len(s.Ports) > 0 {
		ports := " -m multiport --ports " + s.portList()
		return []string{" -p tcp" + ports, " -p udp" + ports}
	}
	if s.Reject {
		return []string{" -p tcp", ""}
	}
	return []string{""}
}

// target is the rule's verdict for a selector.
func (s Scope) target(sel string) string {
	switch {
	case !s.Reject:
		return "-j DROP"
	case strings.HasPrefix(sel, " -p tcp"):
		return "-j REJECT --reject-with tcp-reset"
	default:
		return "-j REJECT --reject-with icmp-port-unreachable"
	}
}

package netns

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
)

// DefaultSubnet is the subnet Setup uses when Config.Subnet is empty. It
// exists only inside the namespaces, so every run can use it at once.
const DefaultSubnet = "10.77.0.0/24"

// MaxNodes is the largest Config.Nodes: node i has host number 10+i, and
// the client has host number clientHost.
const MaxNodes = 89

// clientHost is the host number of the client namespace's address.
const clientHost = 100

// prefixRE says what a Config.Prefix may look like: namespace names are
// <prefix>-br, <prefix>-c and <prefix>-n<i>.
var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)

// Config describes the network Setup builds.
type Config struct {
	// Prefix starts every namespace name: 1–12 lower-case letters and
	// digits, beginning with a letter; one prefix per concurrent run.
	Prefix string
	// Nodes is the number of node namespaces, 1..MaxNodes.
	Nodes int
	// Subnet is an IPv4 prefix of length 25 or less; DefaultSubnet if empty.
	Subnet string
	// DelayPorts, when not empty, puts the delay proxy between the nodes
	// for TCP connections to these ports (at most 15), e.g.
	// []int{PortRaft}: from Setup on, every such connection a node opens
	// to another node is relayed by this process, which SetDelay and
	// SetLinkDelay then slow down. Empty: no proxy, and no delays.
	DelayPorts []int
}

// Validate reports whether the configuration can be built.
func (c Config) Validate() error {
	if !prefixRE.MatchString(c.Prefix) {
		return fmt.Errorf("netns: prefix %q: want 1-12 of [a-z0-9], starting with a letter", c.Prefix)
	}
	if c.Nodes < 1 || c.Nodes > MaxNodes {
		return fmt.Errorf("netns: %d nodes: want 1..%d", c.Nodes, MaxNodes)
	}
	if err := (Scope{Ports: c.DelayPorts}).validate(); err != nil {
		return fmt.Errorf("netns: delay ports: %w", err)
	}
	_, err := c.subnet()
	return err
}

// subnet parses Subnet (or DefaultSubnet) into its masked form.
func (c Config) subnet() (netip.Prefix, error) {
	s := c.Subnet
	if s == "" {
		s = DefaultSubnet
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("netns: subnet: %w", err)
	}
	if !p.Addr().Is4() || p.Bits() > 25 {
		return netip.Prefix{}, fmt.Errorf("netns: subnet %s: want IPv4 with a prefix length of 25 or less", s)
	}
	return p.Masked(), nil
}

// hostAddr returns the address with host number h in subnet p.
func hostAddr(p netip.Prefix, h int) netip.Addr {
	b := p.Addr().As4()
	v := binary.BigEndian.Uint32(b[:]) + uint32(h)
	binary.BigEndian.PutUint32(b[:], v)
	return netip.AddrFrom4(b)
}

// bridgeNS names the namespace holding the bridge.
func bridgeNS(prefix string) string { return prefix + "-br" }

// clientNS names the client namespace.
func clientNS(prefix string) string { return prefix + "-c" }

// nodeNS names node i's namespace (i is 1-based).
func nodeNS(prefix string, i int) string { return prefix + "-n" + strconv.Itoa(i) }

// ownedRE matches every namespace name a run with this prefix makes.
func ownedRE(prefix string) *regexp.Regexp {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `-(br|c|n[0-9]+)$`)
}

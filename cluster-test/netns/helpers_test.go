package netns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Generous for "it connects" on a loaded machine, short for "it does not".
const (
	reachTimeout   = 20 * time.Second
	noReachTimeout = 300 * time.Millisecond
)

// client stands for the client namespace where a node index is expected.
const client = 0

// setupNet builds a network for a test and tears it down after it, or
// skips the test when this process lacks the privileges.
func setupNet(t *testing.T, prefix string, nodes int) *Net {
	t.Helper()
	return setupConfig(t, Config{Prefix: prefix, Nodes: nodes})
}

// setupConfig is setupNet for any configuration.
func setupConfig(t *testing.T, cfg Config) *Net {
	t.Helper()
	if err := CheckPrivileges(); err != nil {
		t.Skipf("skipping: needs root with network namespaces: %v", err)
	}
	n, err := Setup(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Teardown(); err != nil {
			t.Errorf("teardown: %v", err)
		}
	})
	dialerOnce.Do(func() { dialerErr = checkDialer(n) })
	if dialerErr != nil {
		t.Fatalf("sockets do not open inside namespaces; not sending to the subnet: %v", dialerErr)
	}
	return n
}

// The first network checks once that sockets open inside namespaces, so
// that a broken dialer never sends to the subnet from the host namespace.
var (
	dialerOnce sync.Once
	dialerErr  error
)

// checkDialer checks, with loopback only, that a listener on 127.0.0.1 in
// node 1 is reachable from node 1 and refused from the client namespace.
func checkDialer(n *Net) error {
	l, err := n.Listen(1, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), reachTimeout)
	defer cancel()
	c, err := n.DialFrom(ctx, 1, "tcp", l.Addr().String())
	if err != nil {
		return fmt.Errorf("dial inside node 1: %w", err)
	}
	c.Close()
	if c, err = n.DialContext(ctx, "tcp", l.Addr().String()); err == nil {
		c.Close()
		return errors.New("the client namespace reached node 1's loopback")
	}
	return nil
}

// dial connects from node `from` (or client) to addr.
func dial(ctx context.Context, n *Net, from int, network, addr string) (net.Conn, error) {
	if from == client {
		return n.DialContext(ctx, network, addr)
	}
	return n.DialFrom(ctx, from, network, addr)
}

// tcpDial tries one TCP connection from `from` to node to's port.
func tcpDial(n *Net, from, to, port int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	addr := net.JoinHostPort(n.NodeIP(to), strconv.Itoa(port))
	c, err := dial(ctx, n, from, "tcp", addr)
	if err == nil {
		c.Close()
	}
	return err
}

// mustConnect fails the test unless `from` connects to node to's port.
func mustConnect(t *testing.T, n *Net, from, to, port int) {
	t.Helper()
	if err := tcpDial(n, from, to, port, reachTimeout); err != nil {
		t.Fatalf("%d -> %d:%d: %v", from, to, port, err)
	}
}

// mustNotConnect fails the test if `from` connects to node to's port
// within noReachTimeout.
func mustNotConnect(t *testing.T, n *Net, from, to, port int) {
	t.Helper()
	err := tcpDial(n, from, to, port, noReachTimeout)
	if err == nil {
		t.Fatalf("%d -> %d:%d connected through a fault", from, to, port)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("%d -> %d:%d: want a timeout, got %v", from, to, port, err)
	}
}

// serveTCP accepts and closes connections on node i's port until the test
// ends.
func serveTCP(t *testing.T, n *Net, i, port int) {
	t.Helper()
	l, err := n.Listen(i, "tcp", net.JoinHostPort(n.NodeIP(i), strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

// udpArrives reports whether a datagram sent from node `from` reaches node
// to within d; it sends one every 50 ms to a fresh port.
func udpArrives(t *testing.T, n *Net, from, to int, d time.Duration) bool {
	t.Helper()
	pc, err := n.ListenPacket(to, "udp", net.JoinHostPort(n.NodeIP(to), "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	c, err := n.DialFrom(context.Background(), from, "udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(d)
	buf := make([]byte, 16)
	for time.Now().Before(deadline) {
		c.Write([]byte("ping")) // errors are what a fault may cause
		pc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, _, err := pc.ReadFrom(buf); err == nil {
			return true
		}
	}
	return false
}

// mustAddr parses an address or panics.
func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

package netns

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testDelay is the delay the round-trip tests set.
const testDelay = 50 * time.Millisecond

// setupDelayNet builds a network whose Raft port goes through the proxy.
func setupDelayNet(t *testing.T, prefix string, nodes int) *Net {
	t.Helper()
	return setupConfig(t, Config{Prefix: prefix, Nodes: nodes, DelayPorts: []int{PortRaft}})
}

// echoServer echoes every connection to node i's port until the test
// ends; it sends the address of every peer it accepts on the channel.
func echoServer(t *testing.T, n *Net, i, port int) <-chan netip.Addr {
	t.Helper()
	l, err := n.Listen(i, "tcp", net.JoinHostPort(n.NodeIP(i), strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	peers := make(chan netip.Addr, 100)
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for c, err := l.Accept(); err == nil; c, err = l.Accept() {
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			peers <- c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr()
			go func() {
				io.Copy(c, c)
				c.(*net.TCPConn).CloseWrite()
			}()
		}
	}()
	return peers
}

// connect opens a TCP connection from `from` (or client) to node to's port.
func connect(t *testing.T, n *Net, from, to, port int) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), reachTimeout)
	defer cancel()
	c, err := dial(ctx, n, from, "tcp", net.JoinHostPort(n.NodeIP(to), strconv.Itoa(port)))
	if err != nil {
		t.Fatalf("%d -> %d:%d: %v", from, to, port, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip returns the median time of k one-byte echoes on c.
func roundTrip(t *testing.T, c net.Conn, k int) time.Duration {
	t.Helper()
	c.SetDeadline(time.Now().Add(reachTimeout))
	times := make([]time.Duration, k)
	b := []byte{0}
	for i := range times {
		start := time.Now()
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, b); err != nil {
			t.Fatal(err)
		}
		times[i] = time.Since(start)
	}
	slices.Sort(times)
	return times[k/2]
}

// proxied returns the number of connections node i's proxy accepted.
func proxied(n *Net, i int) int64 { return n.proxy.accepted[i-1].Load() }

// TestDelayProxyRedirects checks which connections go through the proxy:
// node to node on a delay port, and nothing else. The receiver still sees
// the sender's address.
func TestDelayProxyRedirects(t *testing.T) {
	n := setupDelayNet(t, "nsdlr", 3)
	peers := echoServer(t, n, 2, PortRaft)
	echoServer(t, n, 2, PortGossip)
	echoServer(t, n, 1, PortRaft)
	roundTrip(t, connect(t, n, 1, 2, PortRaft), 1)
	if got := proxied(n, 1); got != 1 {
		t.Fatalf("node 1's proxy accepted %d connections, want 1", got)
	}
	if got := <-peers; got.String() != n.NodeIP(1) {
		t.Errorf("node 2 saw the connection come from %s, want node 1's %s", got, n.NodeIP(1))
	}
	roundTrip(t, connect(t, n, 1, 2, PortGossip), 1)
	roundTrip(t, connect(t, n, client, 2, PortRaft), 1)
	roundTrip(t, connect(t, n, 2, 2, PortRaft), 1)
	roundTrip(t, connect(t, n, 2, 1, PortRaft), 1)
	want := []int64{1, 1, 0}
	for i := 1; i <= 3; i++ {
		if got := proxied(n, i); got != want[i-1] {
			t.Errorf("node %d's proxy accepted %d connections, want %d", i, got, want[i-1])
		}
	}
}

// TestDelayRoundTrip checks that SetDelay(2, d) adds about 2d to a round
// trip between nodes 1 and 2, on an open connection and a new one, and
// that Heal takes it away.
func TestDelayRoundTrip(t *testing.T) {
	n := setupDelayNet(t, "nsdlrtt", 2)
	echoServer(t, n, 2, PortRaft)
	echoServer(t, n, 2, PortGossip)
	c := connect(t, n, 1, 2, PortRaft)
	direct := roundTrip(t, connect(t, n, 1, 2, PortGossip), 200)
	zero := roundTrip(t, c, 200)
	t.Logf("round trip at delay 0: %v direct, %v through the proxy (+%v)", direct, zero, zero-direct)
	if err := n.SetDelay(2, testDelay); err != nil {
		t.Fatal(err)
	}
	checkFaults(t, n, "delay 50ms on node 2")
	for name, conn := range map[string]net.Conn{"open": c, "new": connect(t, n, 1, 2, PortRaft)} {
		rtt := roundTrip(t, conn, 5)
		t.Logf("round trip at delay %v, %s connection: %v (+%v)", testDelay, name, rtt, rtt-zero)
		if rtt < 2*testDelay || rtt > 2*testDelay+time.Second {
			t.Errorf("%s connection: round trip %v, want 2×%v to 2×%v+1s", name, rtt, testDelay, testDelay)
		}
	}
	if got := proxied(n, 1); got != 2 {
		t.Errorf("node 1's proxy accepted %d connections, want 2", got)
	}
	if err := n.Heal(); err != nil {
		t.Fatal(err)
	}
	checkFaults(t, n)
	if rtt := roundTrip(t, c, 5); rtt >= testDelay {
		t.Errorf("round trip after Heal: %v", rtt)
	}
}

// TestLinkDelayOneWay checks that SetLinkDelay delays one direction only:
// the echo server's clock and the client's are the same.
func TestLinkDelayOneWay(t *testing.T) {
	const d = 300 * time.Millisecond
	n := setupDelayNet(t, "nsdlow", 2)
	arrived := make(chan time.Time, 1)
	l, err := n.Listen(2, "tcp", net.JoinHostPort(n.NodeIP(2), strconv.Itoa(PortRaft)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go stampAndEcho(l, arrived)
	if err := n.SetLinkDelay(1, 2, d); err != nil {
		t.Fatal(err)
	}
	checkFaults(t, n, "delay 300ms from node 1 to node 2")
	c := connect(t, n, 1, 2, PortRaft)
	sent := time.Now()
	roundTrip(t, c, 1)
	back := time.Now()
	at := <-arrived
	t.Logf("1 -> 2 took %v, 2 -> 1 took %v", at.Sub(sent), back.Sub(at))
	if at.Sub(sent) < d || back.Sub(at) >= d {
		t.Errorf("1 -> 2 took %v, 2 -> 1 took %v: want at least %v, then less", at.Sub(sent), back.Sub(at), d)
	}
}

// stampAndEcho accepts one connection, reads one byte, sends the time it
// arrived, and echoes it.
func stampAndEcho(l net.Listener, arrived chan<- time.Time) {
	c, err := l.Accept()
	if err != nil {
		return
	}
	defer c.Close()
	b := []byte{0}
	if _, err := io.ReadFull(c, b); err != nil {
		return
	}
	arrived <- time.Now()
	c.Write(b)
	io.Copy(io.Discard, c)
}

// TestDelayPassesBytes sends 1 MiB through the proxy and back at delay 0,
// then at 20 ms, and compares checksums.
func TestDelayPassesBytes(t *testing.T) {
	n := setupDelayNet(t, "nsdlbytes", 2)
	echoServer(t, n, 2, PortRaft)
	for _, d := range []time.Duration{0, 20 * time.Millisecond} {
		if err := n.SetDelay(2, d); err != nil {
			t.Fatal(err)
		}
		c := connect(t, n, 1, 2, PortRaft)
		data := make([]byte, 1<<20)
		rand.Read(data)
		got := echoAll(t, c, data)
		if sha256.Sum256(got) != sha256.Sum256(data) {
			t.Fatalf("delay %v: 1 MiB came back different (%d bytes)", d, len(got))
		}
	}
	if got := proxied(n, 1); got != 2 {
		t.Errorf("node 1's proxy accepted %d connections, want 2", got)
	}
}

// echoAll writes data on c, half-closes it, and returns all it reads back.
func echoAll(t *testing.T, c net.Conn, data []byte) []byte {
	t.Helper()
	c.SetDeadline(time.Now().Add(reachTimeout))
	errc := make(chan error, 1)
	go func() {
		_, err := c.Write(data)
		errc <- errors.Join(err, c.(*net.TCPConn).CloseWrite())
	}()
	got, err := io.ReadAll(c)
	if err := errors.Join(err, <-errc); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestDelayKeepsOrder sends numbered messages one write each while the
// delay drops from 200 ms to 0 halfway: they come back in order.
func TestDelayKeepsOrder(t *testing.T) {
	const count = 2000
	n := setupDelayNet(t, "nsdlorder", 2)
	echoServer(t, n, 2, PortRaft)
	if err := n.SetDelay(2, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	c := connect(t, n, 1, 2, PortRaft)
	c.SetDeadline(time.Now().Add(reachTimeout))
	go func() {
		for i := range uint32(count) {
			if i == count/2 {
				n.SetDelay(2, 0)
			}
			c.Write(binary.BigEndian.AppendUint32(nil, i))
		}
	}()
	b := make([]byte, 4)
	for i := range uint32(count) {
		if _, err := io.ReadFull(c, b); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if got := binary.BigEndian.Uint32(b); got != i {
			t.Fatalf("message %d came back as %d", i, got)
		}
	}
}

// TestDelayUnderFault checks that faults act on the proxy's leg between
// the nodes: a rejected destination resets the node's connection.
func TestDelayUnderFault(t *testing.T) {
	n := setupDelayNet(t, "nsdlflt", 2)
	echoServer(t, n, 2, PortRaft)
	if err := n.Isolate(Scope{Reject: true}, 2); err != nil {
		t.Fatal(err)
	}
	if err := resetThroughProxy(n, 1, 2); err != nil {
		t.Fatal(err)
	}
	if err := n.Heal(); err != nil {
		t.Fatal(err)
	}
	open := connect(t, n, 1, 2, PortRaft)
	roundTrip(t, open, 1)
	if err := n.Isolate(Scope{Ports: []int{PortRaft}}, 2); err != nil {
		t.Fatal(err)
	}
	// Node 1 drops what comes from node 2, and the proxy's answers on the
	// local leg look like that after conntrack's reverse translation.
	mustNotConnect(t, n, 1, 2, PortRaft)
	if got := proxied(n, 1); got != 2 {
		t.Errorf("node 1's proxy accepted %d connections, want 2 (a dropped handshake never completes)", got)
	}
	open.Write([]byte{1})
	open.SetReadDeadline(time.Now().Add(noReachTimeout))
	if _, err := open.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("echo on an open connection across a partition: %v, want a timeout", err)
	}
	if err := n.Heal(); err != nil {
		t.Fatal(err)
	}
	open.SetReadDeadline(time.Now().Add(reachTimeout))
	if _, err := open.Read(make([]byte, 1)); err != nil {
		t.Fatalf("the open connection after Heal: %v", err)
	}
	roundTrip(t, connect(t, n, 1, 2, PortRaft), 1)
}

// resetThroughProxy checks that a connection from node `from` to node
// to's Raft port is reset: at connect (the proxy's dial may fail before
// the node's connect returns) or at the first read.
func resetThroughProxy(n *Net, from, to int) error {
	ctx, cancel := context.WithTimeout(context.Background(), reachTimeout)
	defer cancel()
	c, err := dial(ctx, n, from, "tcp", net.JoinHostPort(n.NodeIP(to), strconv.Itoa(PortRaft)))
	if err == nil {
		defer c.Close()
		c.SetDeadline(time.Now().Add(reachTimeout))
		_, err = c.Read(make([]byte, 1))
	}
	if !errors.Is(err, syscall.ECONNRESET) {
		return fmt.Errorf("%d -> %d through a rejecting fault: %v, want a reset", from, to, err)
	}
	return nil
}

// TestDelayTeardown checks that Teardown closes relayed connections, ends
// a dial the proxy is stuck in, and leaves no proxy goroutine and no
// namespace.
func TestDelayTeardown(t *testing.T) {
	n := setupDelayNet(t, "nsdldown", 2)
	echoServer(t, n, 2, PortRaft)
	c := connect(t, n, 1, 2, PortRaft)
	roundTrip(t, c, 1)
	if err := n.SetDelay(1, time.Second); err != nil {
		t.Fatal(err)
	}
	c.Write([]byte("in flight"))
	if err := n.BlockOneWay(Scope{}, 1, 2); err != nil {
		t.Fatal(err)
	}
	connect(t, n, 1, 2, PortRaft) // the proxy's dial hangs: node 2 drops its SYNs
	for deadline := time.Now().Add(reachTimeout); proxied(n, 1) < 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if proxyGoroutines() == "" {
		t.Fatal("no proxy goroutine found while the proxy runs: the check below would prove nothing")
	}
	start := time.Now()
	if err := n.Teardown(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > upstreamDialTimeout/2 {
		t.Errorf("Teardown took %v: it waited for the proxy's dial", took)
	}
	c.SetDeadline(time.Now().Add(reachTimeout))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("a relayed connection survived Teardown")
	}
	if g := proxyGoroutines(); g != "" {
		t.Errorf("proxy goroutines left after Teardown:\n%s", g)
	}
	if names, state := leftovers(t, "nsdldown"); len(names) > 0 || state {
		t.Errorf("left behind: namespaces %q, state file %v", names, state)
	}
}

// proxyGoroutines returns the stacks of goroutines running proxy code.
func proxyGoroutines() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "netns.(*proxy)") || strings.Contains(g, "netns.release") {
			found = append(found, g)
		}
	}
	return strings.Join(found, "\n\n")
}

func TestDelayArguments(t *testing.T) {
	bare := &Net{prefix: "x", nodes: 3}
	if err := bare.SetDelay(1, time.Millisecond); err == nil {
		t.Error("SetDelay without a proxy: want an error")
	}
	n := &Net{prefix: "x", nodes: 3, proxy: &proxy{}}
	for name, err := range map[string]error{
		"negative":  n.SetDelay(1, -time.Millisecond),
		"too long":  n.SetDelay(1, MaxDelay+1),
		"node 4":    n.SetDelay(4, time.Millisecond),
		"link 1-1":  n.SetLinkDelay(1, 1, time.Millisecond),
		"link 0-1":  n.SetLinkDelay(0, 1, time.Millisecond),
		"bad ports": Config{Prefix: "x", Nodes: 1, DelayPorts: []int{70000}}.Validate(),
	} {
		if err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}

func TestDelayTable(t *testing.T) {
	n := &Net{prefix: "x", nodes: 3, proxy: &proxy{}}
	for _, err := range []error{
		n.SetLinkDelay(3, 1, 5*time.Millisecond),
		n.SetDelay(2, 10*time.Millisecond),
		n.SetDelay(1, 20*time.Millisecond),
		n.SetDelay(3, time.Millisecond),
		n.SetDelay(3, 0),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	tab := &n.proxy.delays
	for _, c := range []struct {
		from, to int
		want     time.Duration
	}{{1, 2, 30 * time.Millisecond}, {3, 1, 25 * time.Millisecond}, {1, 3, 20 * time.Millisecond}, {3, 0, 0}} {
		if got := tab.get(c.from, c.to); got != c.want {
			t.Errorf("delay %d -> %d = %v, want %v", c.from, c.to, got, c.want)
		}
	}
	checkFaults(t, n, "delay 20ms on node 1", "delay 10ms on node 2", "delay 5ms from node 3 to node 1")
}

func TestRedirectRules(t *testing.T) {
	n := &Net{prefix: "x", nodes: 3, subnet: netip.MustParsePrefix(DefaultSubnet), delayPorts: []int{PortRaft, PortNATS}}
	want := "*nat\n:DROVER-DELAY - [0:0]\n" +
		"-A OUTPUT -p tcp -m mark ! --mark 0x5d1a -j DROVER-DELAY\n" +
		"-A DROVER-DELAY -d 10.77.0.11/32 -p tcp -m multiport --dports 7701,7703 -j REDIRECT --to-ports 4000\n" +
		"-A DROVER-DELAY -d 10.77.0.13/32 -p tcp -m multiport --dports 7701,7703 -j REDIRECT --to-ports 4000\n" +
		"COMMIT\n"
	if got := n.redirectRules(2, 4000); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// checkFaults fails the test unless Faults returns want.
func checkFaults(t *testing.T, n *Net, want ...string) {
	t.Helper()
	if got := n.Faults(); !slices.Equal(got, want) {
		t.Errorf("Faults() = %q, want %q", got, want)
	}
}

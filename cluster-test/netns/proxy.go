package netns

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DelayChain is the nat chain, jumped to from OUTPUT in every node
// namespace when Config.DelayPorts is set, that redirects the node's new
// connections to other nodes' delay ports to the delay proxy.
const DelayChain = "DROVER-DELAY"

// proxyMark is the SO_MARK of the proxy's own connections to the nodes;
// the jump to DelayChain skips packets carrying it, so the proxy's dials
// are not redirected back to itself.
const proxyMark = 0x5d1a

// upstreamDialTimeout bounds the proxy's dial to the real destination,
// which hangs while a fault drops its packets.
const upstreamDialTimeout = 10 * time.Second

// proxy is the delay proxy: one listener on 127.0.0.1 in each node
// namespace, and the connections it relays, all in this process.
type proxy struct {
	n        *Net
	delays   delayTable
	ctx      context.Context // cancelled by stop
	cancel   context.CancelFunc
	wg       sync.WaitGroup // every goroutine of the proxy
	accepted []atomic.Int64 // connections accepted, per node (index i-1)
	mu       sync.Mutex     // guards listeners
	listen   []net.Listener // open listeners, closed by stop
	stopOnce sync.Once
}

// startProxy opens the proxy's listener in every node namespace and
// installs the redirect rules pointing at it. On error, Teardown stops
// what started.
func (n *Net) startProxy() error {
	ctx, cancel := context.WithCancel(context.Background())
	p := &proxy{n: n, ctx: ctx, cancel: cancel, accepted: make([]atomic.Int64, n.nodes)}
	n.proxy = p
	for i := 1; i <= n.nodes; i++ {
		if err := p.startNode(i); err != nil {
			return fmt.Errorf("netns: delay proxy in node %d: %w", i, err)
		}
	}
	return nil
}

// startNode listens in node i's namespace, serves, and redirects node i's
// connections to the listener.
func (p *proxy) startNode(i int) error {
	l, err := p.n.Listen(i, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.listen = append(p.listen, l)
	p.mu.Unlock()
	p.wg.Go(func() { p.acceptLoop(i, l) })
	port := l.Addr().(*net.TCPAddr).Port
	return iptablesRestore(p.n.Namespace(i), p.n.redirectRules(i, port))
}

// redirectRules is the iptables-restore script that sends node i's new
// TCP connections to other nodes' delay ports to local port `to`, unless
// they carry proxyMark.
func (n *Net) redirectRules(i, to int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*nat\n:%s - [0:0]\n", DelayChain)
	fmt.Fprintf(&b, "-A OUTPUT -p tcp -m mark ! --mark %#x -j %s\n", proxyMark, DelayChain)
	ports := Scope{Ports: n.delayPorts}.portList()
	for j := 1; j <= n.nodes; j++ {
		if j != i {
			fmt.Fprintf(&b, "-A %s -d %s/32 -p tcp -m multiport --dports %s -j REDIRECT --to-ports %d\n",
				DelayChain, n.NodeIP(j), ports, to)
		}
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// acceptLoop serves node i's redirected connections until l is closed.
func (p *proxy) acceptLoop(i int, l net.Listener) {
	for {
		c, err := l.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil { // out of file descriptors, say: try again
			time.Sleep(10 * time.Millisecond)
			continue
		}
		p.accepted[i-1].Add(1)
		p.wg.Go(func() { p.serve(i, c.(*net.TCPConn)) })
	}
}

// serve relays one connection node `from` opened to its original
// destination, dialed from node `from`'s namespace. If that dial fails,
// the node's connection is reset.
func (p *proxy) serve(from int, down *net.TCPConn) {
	defer down.Close()
	dst, err := originalDst(down)
	if err != nil {
		down.SetLinger(0)
		return
	}
	ctx, cancel := context.WithTimeout(p.ctx, upstreamDialTimeout)
	up, err := p.dial(ctx, from, dst)
	cancel()
	if err != nil {
		down.SetLinger(0)
		return
	}
	defer up.Close()
	p.relay(from, p.n.nodeAt(dst.Addr()), down, up)
}

// dial connects to dst from node i's namespace with a marked socket,
// which the redirect rules let through.
func (p *proxy) dial(ctx context.Context, i int, dst netip.AddrPort) (*net.TCPConn, error) {
	d := &net.Dialer{Control: markSocket}
	c, err := dialInWith(ctx, d, p.n.Namespace(i), "tcp", dst.String())
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// stop closes the listeners and every relayed connection, and waits for
// the proxy's goroutines to end. Calling it again does nothing.
func (p *proxy) stop() {
	p.stopOnce.Do(func() {
		p.cancel()
		p.mu.Lock()
		for _, l := range p.listen {
			l.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
}

// markSocket sets proxyMark on a socket before it connects.
func markSocket(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, proxyMark)
	})
	return errors.Join(err, serr)
}

// originalDst returns where a redirected connection was going, from
// conntrack (SO_ORIGINAL_DST, IPv4).
func originalDst(c *net.TCPConn) (netip.AddrPort, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return netip.AddrPort{}, err
	}
	var mreq *unix.IPv6Mreq
	var serr error
	err = rc.Control(func(fd uintptr) {
		// The option fills a struct sockaddr_in; IPv6Mreq is merely a
		// large enough buffer: family (2 bytes), port (big-endian),
		// address.
		mreq, serr = unix.GetsockoptIPv6Mreq(int(fd), unix.SOL_IP, unix.SO_ORIGINAL_DST)
	})
	if err = errors.Join(err, serr); err != nil {
		return netip.AddrPort{}, fmt.Errorf("netns: SO_ORIGINAL_DST: %w", err)
	}
	b := mreq.Multiaddr
	if family := binary.NativeEndian.Uint16(b[0:2]); family != unix.AF_INET {
		return netip.AddrPort{}, fmt.Errorf("netns: SO_ORIGINAL_DST: address family %d, want IPv4", family)
	}
	port := binary.BigEndian.Uint16(b[2:4])
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), port), nil
}

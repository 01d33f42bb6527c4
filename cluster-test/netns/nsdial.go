package netns

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// DialContext connects to addr from the client namespace, where the
// harness's own clients live. addr's host must be an IP address: a name
// would be resolved, possibly on other threads, in the host namespace. The
// connection keeps its namespace for its whole life.
func (n *Net) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return dialIn(ctx, n.ClientNamespace(), network, addr)
}

// ClientDialer returns DialContext for TCP in the shape gRPC's
// WithContextDialer takes.
func (n *Net) ClientDialer() func(context.Context, string) (net.Conn, error) {
	return func(ctx context.Context, addr string) (net.Conn, error) {
		return n.DialContext(ctx, "tcp", addr)
	}
}

// DialFrom connects to addr from inside node i's namespace, as DialContext
// does from the client namespace.
func (n *Net) DialFrom(ctx context.Context, i int, network, addr string) (net.Conn, error) {
	if err := n.checkNode(i); err != nil {
		return nil, err
	}
	return dialIn(ctx, n.Namespace(i), network, addr)
}

// Listen opens a stream listener inside node i's namespace; addr's host
// must be empty or an IP address.
func (n *Net) Listen(i int, network, addr string) (net.Listener, error) {
	if err := n.checkNode(i); err != nil {
		return nil, err
	}
	var l net.Listener
	err := inNamespace(n.Namespace(i), func() (err error) {
		l, err = net.Listen(network, addr)
		return err
	})
	if err != nil && l != nil {
		l.Close()
		return nil, err
	}
	return l, err
}

// ListenPacket opens a packet listener (UDP) inside node i's namespace;
// addr's host must be empty or an IP address.
func (n *Net) ListenPacket(i int, network, addr string) (net.PacketConn, error) {
	if err := n.checkNode(i); err != nil {
		return nil, err
	}
	var pc net.PacketConn
	err := inNamespace(n.Namespace(i), func() (err error) {
		pc, err = net.ListenPacket(network, addr)
		return err
	})
	if err != nil && pc != nil {
		pc.Close()
		return nil, err
	}
	return pc, err
}

// dialIn dials addr with a socket created inside namespace ns.
func dialIn(ctx context.Context, ns, network, addr string) (net.Conn, error) {
	return dialInWith(ctx, &net.Dialer{}, ns, network, addr)
}

// dialInWith dials addr with d and a socket created inside namespace ns.
func dialInWith(ctx context.Context, d *net.Dialer, ns, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("netns: dial %s: %w", addr, err)
	}
	if _, err := netip.ParseAddr(host); err != nil {
		return nil, fmt.Errorf("netns: dial %s: the host must be an IP address", addr)
	}
	var c net.Conn
	err = inNamespace(ns, func() (err error) {
		c, err = d.DialContext(ctx, network, addr)
		return err
	})
	if err != nil && c != nil {
		c.Close()
		return nil, err
	}
	return c, err
}

// inNamespace runs fn on a goroutine locked to its OS thread while the
// thread is in namespace ns. Go creates a socket on the calling goroutine's
// thread, and a socket keeps the namespace it was made in, so fn may open
// sockets that outlive the call. If the thread cannot return to its own
// namespace it stays locked, and Go ends it with the goroutine.
func inNamespace(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		back, err := runInNamespace(ns, fn)
		if back {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}

// runInNamespace moves the locked thread into ns, runs fn and moves it
// back; back is false when moving back failed.
func runInNamespace(ns string, fn func() error) (back bool, err error) {
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return true, fmt.Errorf("netns: opening own namespace: %w", err)
	}
	defer unix.Close(orig)
	target, err := unix.Open(filepath.Join(netnsDir, ns), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return true, fmt.Errorf("netns: opening namespace %s: %w", ns, err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return true, fmt.Errorf("netns: entering namespace %s: %w", ns, err)
	}
	err = fn()
	if serr := unix.Setns(orig, unix.CLONE_NEWNET); serr != nil {
		return false, fmt.Errorf("netns: leaving namespace %s: %w (after: %v)", ns, serr, err)
	}
	return true, err
}

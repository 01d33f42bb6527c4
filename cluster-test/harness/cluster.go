package harness

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"github.com/drover/drover/client"
)

// ClusterConfig describes the nodes to run.
type ClusterConfig struct {
	// Binary is the drover executable.
	Binary string
	// Nodes is how many nodes there are room for (one network namespace
	// each); Initial of them form the cluster at the start (0: all), the
	// others can join later as members are added.
	Nodes   int
	Initial int
	// Dir holds one data dir and one log file per node.
	Dir string
	// ExtraArgs are appended to every node's command line.
	ExtraArgs []string
}

// Cluster is a set of drover node processes, one per network namespace.
type Cluster struct {
	cfg ClusterConfig
	net Network

	mu      sync.Mutex
	procs   []*proc      // index i-1 is node i
	members map[int]bool // the nodes meant to be in the cluster now
	// joinOnly marks initial members restarted without --peers (after a
	// quorum-loss recovery, or wiped and meant to join).
	joinOnly map[int]bool
	// mounts are the tmpfs data dirs of a disk-full scenario.
	mounts []string

	httpOnce sync.Once
	hc       *http.Client
}

// proc is one node's current process.
type proc struct {
	cmd     *exec.Cmd
	done    chan struct{}
	stopped bool // SIGSTOPped
}

// NewCluster prepares, but does not start, the nodes.
func NewCluster(cfg ClusterConfig, n Network) *Cluster {
	if cfg.Initial == 0 || cfg.Initial > cfg.Nodes {
		cfg.Initial = cfg.Nodes
	}
	c := &Cluster{cfg: cfg, net: n, procs: make([]*proc, cfg.Nodes), members: map[int]bool{}, joinOnly: map[int]bool{}}
	for i := 1; i <= cfg.Initial; i++ {
		c.members[i] = true
	}
	return c
}

// Size is the number of nodes there is room for, members or not.
func (c *Cluster) Size() int { return c.cfg.Nodes }

// Members lists the nodes meant to be in the cluster now, in order.
func (c *Cluster) Members() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []int
	for i := 1; i <= c.cfg.Nodes; i++ {
		if c.members[i] {
			out = append(out, i)
		}
	}
	return out
}

// IsMember reports whether node i is meant to be in the cluster now.
func (c *Cluster) IsMember(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.members[i]
}

// SetMember records that node i joined (true) or left (false) the
// cluster.
func (c *Cluster) SetMember(i int, in bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if in {
		c.members[i] = true
	} else {
		delete(c.members, i)
	}
}

// ID is node i's Raft id (i is 1-based).
func (c *Cluster) ID(i int) string { return fmt.Sprintf("n%d", i) }

// Index is the 1-based number of the node with Raft id id, or 0.
func (c *Cluster) Index(id string) int {
	for i := 1; i <= c.cfg.Nodes; i++ {
		if c.ID(i) == id {
			return i
		}
	}
	return 0
}

// APIAddr is node i's gRPC address.
func (c *Cluster) APIAddr(i int) string { return c.addr(i, portAPI) }

// HTTPAddr is node i's health and debug address.
func (c *Cluster) HTTPAddr(i int) string { return c.addr(i, portHTTP) }

func (c *Cluster) addr(i, port int) string {
	return net.JoinHostPort(c.net.NodeIP(i), fmt.Sprint(port))
}

// DataDir is node i's data directory.
func (c *Cluster) DataDir(i int) string { return filepath.Join(c.cfg.Dir, "data", c.ID(i)) }

// LogPath is node i's log file (appended to across restarts).
func (c *Cluster) LogPath(i int) string { return filepath.Join(c.cfg.Dir, c.ID(i)+".log") }

// args is node i's command line: the initial members start as a static
// cluster (--peers), later ones join through gossip only and wait to be
// added by the leader's autopilot. The caller holds c.mu.
func (c *Cluster) args(i int) []string {
	var peers, gossip []string
	for j := 1; j <= c.cfg.Initial; j++ {
		peers = append(peers, c.ID(j)+"="+c.addr(j, portRaft))
		if j != i {
			gossip = append(gossip, c.addr(j, portGossip))
		}
	}
	args := []string{"node", "--id", c.ID(i), "--data-dir", c.DataDir(i),
		"--api-addr", c.APIAddr(i), "--raft-addr", c.addr(i, portRaft),
		"--http-addr", c.HTTPAddr(i), "--gossip-addr", c.addr(i, portGossip),
		"--nats-addr", c.addr(i, portNATS), "--join", strings.Join(gossip, ",")}
	if i <= c.cfg.Initial && !c.joinOnly[i] { // c.mu is held (Start)
		args = append(args, "--peers", strings.Join(peers, ","))
	}
	return append(args, c.cfg.ExtraArgs...)
}

// JoinOnly makes node i start without --peers from now on: it joins the
// running cluster through gossip (or, with state, just starts).
func (c *Cluster) JoinOnly(i int) {
	c.mu.Lock()
	c.joinOnly[i] = true
	c.mu.Unlock()
}

// RunTool runs `drover ARGS...` in node i's namespace and waits for it.
func (c *Cluster) RunTool(i int, args ...string) ([]byte, error) {
	return c.net.Command(i, c.cfg.Binary, args...).CombinedOutput()
}

// RaftAddr is node i's Raft address.
func (c *Cluster) RaftAddr(i int) string { return c.addr(i, portRaft) }

// Start starts node i; it must not be running.
func (c *Cluster) Start(i int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.procs[i-1]; p != nil && !p.exited() {
		return fmt.Errorf("node %s is already running", c.ID(i))
	}
	logf, err := os.OpenFile(c.LogPath(i), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "=== %s start %s\n", time.Now().Format(time.RFC3339Nano), c.ID(i))
	cmd := c.net.Command(i, c.cfg.Binary, c.args(i)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Own process group, so a SIGINT to the harness does not reach the
	// nodes before the harness has collected what it needs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", c.ID(i), err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); logf.Close(); close(p.done) }()
	c.procs[i-1] = p
	return nil
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Running reports whether node i's process is alive (stopped counts).
func (c *Cluster) Running(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.procs[i-1]
	return p != nil && !p.exited()
}

// Kill sends SIGKILL to node i and waits until it is gone.
func (c *Cluster) Kill(i int) error { return c.signal(i, syscall.SIGKILL, true) }

// Terminate sends SIGTERM to node i (a graceful stop) and waits.
func (c *Cluster) Terminate(i int) error { return c.signal(i, syscall.SIGTERM, true) }

// Pause sends SIGSTOP to node i.
func (c *Cluster) Pause(i int) error { return c.signal(i, syscall.SIGSTOP, false) }

// Resume sends SIGCONT to node i.
func (c *Cluster) Resume(i int) error { return c.signal(i, syscall.SIGCONT, false) }

func (c *Cluster) signal(i int, sig syscall.Signal, wait bool) error {
	c.mu.Lock()
	p := c.procs[i-1]
	c.mu.Unlock()
	if p == nil || p.exited() {
		return nil
	}
	if sig == syscall.SIGTERM && p.stopped {
		p.cmd.Process.Signal(syscall.SIGCONT)
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("signal %s to %s: %w", sig, c.ID(i), err)
	}
	p.stopped = sig == syscall.SIGSTOP || (p.stopped && sig != syscall.SIGCONT && sig != syscall.SIGKILL)
	if !wait {
		return nil
	}
	select {
	case <-p.done:
		return nil
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not exit within 30 s of %s; killed", c.ID(i), sig)
	}
}

// Paused reports whether node i is SIGSTOPped.
func (c *Cluster) Paused(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.procs[i-1]
	return p != nil && p.stopped && !p.exited()
}

// Wipe deletes what node i's data dir holds; the node must be down. (The
// dir itself stays: it may be a mount point.)
func (c *Cluster) Wipe(i int) error {
	if c.Running(i) {
		return fmt.Errorf("wipe %s: still running", c.ID(i))
	}
	entries, err := os.ReadDir(c.DataDir(i))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(c.DataDir(i), e.Name())); err != nil {
			return err
		}
	}
	return err
}

// StopAll kills every node (resuming paused ones first so they die).
func (c *Cluster) StopAll() {
	for i := 1; i <= c.cfg.Nodes; i++ {
		c.Resume(i)
		c.Kill(i)
	}
}

// Client returns a client for the given nodes (every node there is room
// for when none is given), dialing from the harness's client namespace.
func (c *Cluster) Client(nodes ...int) (*client.Client, error) {
	if len(nodes) == 0 {
		for i := 1; i <= c.cfg.Nodes; i++ {
			nodes = append(nodes, i)
		}
	}
	var eps []string
	for _, i := range nodes {
		eps = append(eps, c.APIAddr(i))
	}
	return client.NewWithDialOptions(eps, grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
		return c.net.DialContext(ctx, "tcp", addr)
	}))
}

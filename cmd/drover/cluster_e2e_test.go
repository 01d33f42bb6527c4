package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// droverBin is the binary the end-to-end tests run, built once by TestMain.
var droverBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "drover-e2e-bin")
	if err != nil {
		panic(err)
	}
	droverBin = filepath.Join(dir, "drover")
	build := exec.Command("go", "build", "-o", droverBin, ".")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building drover:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// procNode is one `drover node` process of a test cluster.
type procNode struct {
	id, api, raft, http, gossip, nats, dir, logPath string
	args                                            []string
	cmd                                             *exec.Cmd
	done                                            chan struct{}
}

// procCluster is a set of real node processes on loopback ports.
type procCluster struct {
	t     *testing.T
	nodes []*procNode
}

// Test ports come from below Linux's ephemeral range (32768–60999 by
// default): a port picked there with ":0" and released could be taken by
// any outgoing connection before the node binds it, which happened. Below
// the range only listeners take ports. Each test binary starts at its own
// random offset and walks on, so parallel packages rarely meet.
const (
	testPortLow  = 20000
	testPortHigh = 32000
)

var (
	portMu   sync.Mutex
	nextPort = testPortLow + rand.IntN(testPortHigh-testPortLow)
)

// freePorts returns n loopback ports that were free for TCP and UDP
// (gossip binds both) when checked.
func freePorts(t *testing.T, n int) []string {
	portMu.Lock()
	defer portMu.Unlock()
	var addrs []string
	for tries := 0; len(addrs) < n; tries++ {
		if tries > testPortHigh-testPortLow {
			t.Fatal("no free test ports")
		}
		nextPort++
		if nextPort >= testPortHigh {
			nextPort = testPortLow
		}
		addr := fmt.Sprintf("127.0.0.1:%d", nextPort)
		if portFree(addr) {
			addrs = append(addrs, addr)
		}
	}
	return addrs
}

func portFree(addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	defer l.Close()
	u, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	u.Close()
	return true
}

// startCluster starts size nodes with a static peer list and waits for a
// leader.
func startCluster(t *testing.T, size int, extra ...string) *procCluster {
	t.Helper()
	nodes, peers := newNodes(t, size, t.TempDir())
	return runNodes(t, nodes, append([]string{"--peers", peers}, extra...)...)
}

// newNodes describes size nodes with fresh loopback ports and data dirs
// under base; peers is their --peers list.
func newNodes(t *testing.T, size int, base string) (nodes []*procNode, peers string) {
	var list []string
	for i := 0; i < size; i++ {
		n := newNode(t, fmt.Sprintf("n%d", i+1), base)
		list = append(list, n.id+"="+n.raft)
		nodes = append(nodes, n)
	}
	return nodes, strings.Join(list, ",")
}

// newNode describes one node with fresh loopback ports.
func newNode(t *testing.T, id, base string) *procNode {
	p := freePorts(t, 5)
	n := &procNode{id: id, api: p[0], raft: p[1], http: p[2], gossip: p[3], nats: p[4], dir: filepath.Join(base, id)}
	n.logPath = n.dir + ".log"
	return n
}

// nodeArgs are the flags that place a node: id, data dir and addresses.
func (n *procNode) nodeArgs() []string {
	return []string{"node", "--id", n.id, "--data-dir", n.dir, "--api-addr", n.api, "--raft-addr", n.raft,
		"--http-addr", n.http, "--gossip-addr", n.gossip, "--nats-addr", n.nats, "--log-level", "info"}
}

// runNodes starts nodes with the given extra flags and waits for a leader.
func runNodes(t *testing.T, nodes []*procNode, extra ...string) *procCluster {
	c := &procCluster{t: t, nodes: nodes}
	for _, n := range nodes {
		n.args = append(n.nodeArgs(), extra...)
		c.start(n)
	}
	t.Cleanup(c.stopAll)
	c.waitLeader(60 * time.Second)
	return c
}

func (c *procCluster) start(n *procNode) {
	c.t.Helper()
	logf, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		c.t.Fatal(err)
	}
	n.cmd = exec.Command(droverBin, n.args...)
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	if err := n.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	n.done = make(chan struct{})
	go func() { n.cmd.Wait(); logf.Close(); close(n.done) }()
}

// kill sends SIGKILL and waits for the process to go.
func (c *procCluster) kill(n *procNode) {
	n.cmd.Process.Signal(syscall.SIGKILL)
	<-n.done
}

func (c *procCluster) stopAll() {
	for _, n := range c.nodes {
		if n.cmd != nil && n.cmd.ProcessState == nil {
			n.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, n := range c.nodes {
		if n.done == nil {
			continue
		}
		select {
		case <-n.done:
		case <-time.After(10 * time.Second):
			n.cmd.Process.Kill()
			<-n.done
		}
	}
	if c.t.Failed() {
		for _, n := range c.nodes {
			b, _ := os.ReadFile(n.logPath)
			c.t.Logf("---- log of %s (last 3000 bytes) ----\n%s", n.id, tail(b, 3000))
		}
	}
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// client returns a client for the given nodes (all when none given).
func (c *procCluster) client(nodes ...*procNode) *client.Client {
	c.t.Helper()
	if len(nodes) == 0 {
		nodes = c.nodes
	}
	var eps []string
	for _, n := range nodes {
		eps = append(eps, n.api)
	}
	cl, err := client.New(eps)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

// waitLeader waits until every running node names the same leader and that
// leader accepts writes; it returns the leader.
func (c *procCluster) waitLeader(timeout time.Duration) *procNode {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if l := c.agreedLeader(); l != nil && c.writable(l) {
			return l
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatalf("no leader within %s", timeout)
	return nil
}

func (c *procCluster) agreedLeader() *procNode {
	var leader string
	for _, n := range c.running() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		st, err := c.client(n).StatusOf(ctx, 0)
		cancel()
		if err != nil || st.LeaderId == "" || (leader != "" && st.LeaderId != leader) {
			return nil
		}
		leader = st.LeaderId
	}
	for _, n := range c.nodes {
		if n.id == leader {
			return n
		}
	}
	return nil
}

func (c *procCluster) writable(n *procNode) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_, err := c.client(n).Get(ctx, &pb.GetRequest{Kind: "Namespace", Name: "default"})
	return err == nil
}

func (c *procCluster) running() []*procNode {
	var out []*procNode
	for _, n := range c.nodes {
		select {
		case <-n.done:
		default:
			out = append(out, n)
		}
	}
	return out
}

func (c *procCluster) followers(leader *procNode) []*procNode {
	var out []*procNode
	for _, n := range c.running() {
		if n != leader {
			out = append(out, n)
		}
	}
	return out
}

// configMap returns a ConfigMap in the default namespace.
func configMap(name, value string) *pb.Object {
	return &pb.Object{ApiVersion: "v1", Kind: "ConfigMap",
		Metadata: &pb.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": "e2e"}},
		Body:     []byte(fmt.Sprintf(`{"data":{"v":%q}}`, value))}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// mustList lists every ConfigMap from one node, stale or linearizable.
func mustList(t *testing.T, cl *client.Client, stale bool) map[string]uint64 {
	t.Helper()
	res, err := cl.List(ctxT(t, 10*time.Second), &pb.ListRequest{Kind: "ConfigMap", Namespace: "default", Stale: stale})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, o := range res.Items {
		out[o.Metadata.Name] = o.Metadata.ResourceVersion
	}
	return out
}

// writer creates objects in a loop until stopped, recording which ones were
// acknowledged.
type writer struct {
	mu    sync.Mutex
	acked map[string]uint64
	fails int
}

func (w *writer) run(ctx context.Context, cl *client.Client, prefix string) {
	w.acked = map[string]uint64{}
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		obj, err := cl.Create(cctx, configMap(name, "x"))
		cancel()
		w.mu.Lock()
		if err == nil {
			w.acked[name] = obj.Metadata.ResourceVersion
		} else {
			w.fails++
		}
		w.mu.Unlock()
	}
}

package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// testCluster runs size nodes in this process, so that the race detector
// sees the API, the leadership monitor and Raft together.
type testCluster struct {
	t     *testing.T
	cfgs  []Config
	nodes []*Node
}

// freeAddr returns a loopback address free for TCP and UDP, from below
// Linux's ephemeral range: a ":0" port, once released, can be taken by an
// outgoing connection before the node binds it (seen under load).
func freeAddr(t *testing.T) string {
	portMu.Lock()
	defer portMu.Unlock()
	for tries := 0; tries < 12000; tries++ {
		nextPort = 20000 + (nextPort-20000+1)%12000
		addr := fmt.Sprintf("127.0.0.1:%d", nextPort)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		u, err := net.ListenPacket("udp", addr)
		l.Close()
		if err != nil {
			continue
		}
		u.Close()
		return addr
	}
	t.Fatal("no free port")
	return ""
}

var (
	portMu   sync.Mutex
	nextPort = 20000 + rand.IntN(12000)
)

// newTestCluster starts size nodes; opts adjust every node's configuration.
func newTestCluster(t *testing.T, size int, opts ...func(*Config)) *testCluster {
	c := &testCluster{t: t}
	var peers []raftstore.Peer
	for i := 0; i < size; i++ {
		cfg := DefaultConfig()
		cfg.ID = fmt.Sprintf("n%d", i+1)
		cfg.DataDir = filepath.Join(t.TempDir(), cfg.ID)
		cfg.APIAddr, cfg.RaftAddr, cfg.HTTPAddr, cfg.GossipAddr = freeAddr(t), freeAddr(t), "", freeAddr(t)
		cfg.NATSAddr = "127.0.0.1:0"
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		for _, opt := range opts {
			opt(&cfg)
		}
		peers = append(peers, raftstore.Peer{ID: cfg.ID, Addr: cfg.RaftAddr})
		c.cfgs = append(c.cfgs, cfg)
	}
	for i := range c.cfgs {
		c.cfgs[i].Peers = peers
		n, err := Start(c.cfgs[i])
		if err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, n)
	}
	t.Cleanup(c.closeAll)
	return c
}

func (c *testCluster) closeAll() {
	for _, n := range c.nodes {
		if n != nil {
			n.Close()
		}
	}
}

// leader waits for a node that leads an established term and has made
// the "default" namespace (a new leader's first writes), so that tests can
// write there at once.
func (c *testCluster) leader() (int, *Node) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for i, n := range c.nodes {
			if n == nil || !n.Store().IsLeader() {
				continue
			}
			if _, err := n.fsm.Get("Namespace", "", "default"); err == nil {
				return i, n
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatal("no leader")
	return -1, nil
}

func (c *testCluster) client(i int) *client.Client {
	cl, err := client.New([]string{c.nodes[i].APIAddr()})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cl.Close() })
	return cl
}

func configMap(name string) *pb.Object {
	return &pb.Object{ApiVersion: "v1", Kind: "ConfigMap", Metadata: &pb.ObjectMeta{Name: name},
		Body: []byte(`{"data":{"k":"v"}}`)}
}

// Writes through a follower reach every node; after the leader closes, a
// new one is elected and the survivors keep accepting writes; every node
// shuts down cleanly.
func TestNodesFailoverInProcess(t *testing.T) {
	c := newTestCluster(t, 3)
	li, _ := c.leader()
	fi := (li + 1) % 3
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	created, err := c.client(fi).Create(ctx, configMap("before"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.nodes {
		got, err := c.client(i).Get(ctx, &pb.GetRequest{Kind: "ConfigMap", Name: "before"})
		if err != nil || got.Metadata.ResourceVersion != created.Metadata.ResourceVersion {
			t.Fatalf("node %d: %v, %v", i, got, err)
		}
	}
	if err := c.nodes[li].Close(); err != nil {
		t.Fatalf("close leader: %v", err)
	}
	c.nodes[li] = nil
	c.leader()
	if _, err := c.client(fi).Create(ctx, configMap("after")); err != nil {
		t.Fatalf("write after failover: %v", err)
	}
	for i, n := range c.nodes {
		if n != nil {
			if err := n.Close(); err != nil {
				t.Fatalf("close node %d: %v", i, err)
			}
			c.nodes[i] = nil
		}
	}
}

// Config validation names the problem.
func TestConfigValidate(t *testing.T) {
	good := DefaultConfig()
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.Peers = []raftstore.Peer{{ID: "other", Addr: "127.0.0.1:1"}}
	if err := bad.Validate(); err == nil {
		t.Fatal("peers without this node accepted")
	}
	for name, mutate := range map[string]func(*Config){
		"bootstrap-expect with static peers": func(c *Config) {
			c.BootstrapExpect, c.Peers = 3, []raftstore.Peer{{ID: c.ID, Addr: c.RaftAddr}}
		},
		"join without gossip":       func(c *Config) { c.Join, c.GossipAddr = []string{"127.0.0.1:7702"}, "" },
		"malformed join address":    func(c *Config) { c.Join = []string{"nohost"} },
		"negative bootstrap-expect": func(c *Config) { c.BootstrapExpect = -1 },
		"no voters allowed":         func(c *Config) { c.Autopilot.MaxVoters = 0 },
		"malformed gossip address":  func(c *Config) { c.GossipAddr = "7702" },
	} {
		c := good
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := ParsePeers("a=127.0.0.1:1,b"); err == nil {
		t.Fatal("malformed peer accepted")
	}
	peers, err := ParsePeers("a=127.0.0.1:1, b=127.0.0.1:2")
	if err != nil || len(peers) != 2 || peers[1].ID != "b" {
		t.Fatalf("ParsePeers: %v %v", peers, err)
	}
}

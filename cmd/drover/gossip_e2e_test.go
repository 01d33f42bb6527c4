package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// joinList is the --join list of every node: all gossip addresses.
func joinList(nodes []*procNode) string {
	var addrs []string
	for _, n := range nodes {
		addrs = append(addrs, n.gossip)
	}
	return strings.Join(addrs, ",")
}

// formCluster starts nodes with --bootstrap-expect len(nodes), each told
// the gossip addresses of all, and waits until they are all voters.
func formCluster(t *testing.T, nodes []*procNode, extra ...string) *procCluster {
	t.Helper()
	flags := append([]string{"--bootstrap-expect", fmt.Sprint(len(nodes)), "--join", joinList(nodes)}, extra...)
	c := runNodes(t, nodes, flags...)
	waitMembers(t, nodes, ids(nodes)...)
	return c
}

// oneBootstrapper fails unless exactly one node logged bootstrapping.
func oneBootstrapper(t *testing.T, nodes []*procNode) {
	t.Helper()
	bootstrapped := 0
	for _, n := range nodes {
		if b, _ := os.ReadFile(n.logPath); strings.Contains(string(b), "bootstrapped a new cluster") {
			bootstrapped++
		}
	}
	if bootstrapped != 1 {
		t.Fatalf("%d nodes bootstrapped, want exactly 1", bootstrapped)
	}
}

// waitSuffrage waits until the members seen through via list id with the
// given suffrage.
func waitSuffrage(t *testing.T, via []*procNode, id, suffrage string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last *membersView
	for time.Now().Before(deadline) {
		last = membersJSON(t, via)
		for _, m := range last.Members {
			if m.ID == id && m.Suffrage == suffrage {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s never became %s; last seen %+v", id, suffrage, last)
}

// Three and five fresh nodes form one cluster by themselves with
// --bootstrap-expect: one bootstrapper, every node a voter, gossip alive
// everywhere, and a write through each node is read back from all.
func TestGossipBootstrapExpect(t *testing.T) {
	for _, size := range []int{3, 5} {
		t.Run(fmt.Sprintf("%d-nodes", size), func(t *testing.T) {
			nodes, _ := newNodes(t, size, t.TempDir())
			c := formCluster(t, nodes)
			v := membersJSON(t, nodes)
			for _, m := range v.Members {
				if m.Gossip != "alive" {
					t.Fatalf("member %s gossip %q, want alive", m.ID, m.Gossip)
				}
			}
			oneBootstrapper(t, nodes)
			want := map[string]uint64{}
			for _, n := range nodes {
				o, err := c.client(n).Create(ctxT(t, 30*time.Second), configMap("via-"+n.id, "x"))
				if err != nil {
					t.Fatalf("create through %s: %v", n.id, err)
				}
				want[o.Metadata.Name] = o.Metadata.ResourceVersion
			}
			for _, n := range nodes {
				waitConverged(t, c.client(n), want, 30*time.Second)
			}
		})
	}
}

// Peers that disagree on --bootstrap-expect, or are too few, form nothing.
func TestGossipBootstrapExpectWaits(t *testing.T) {
	nodes, _ := newNodes(t, 3, t.TempDir())
	c := &procCluster{t: t, nodes: nodes}
	t.Cleanup(c.stopAll)
	join := joinList(nodes)
	for i, n := range nodes[:2] {
		n.args = append(n.nodeArgs(), "--bootstrap-expect", fmt.Sprint(3+i), "--join", join)
		c.start(n)
	}
	waitForLog(t, nodes[:2], "peers disagree on --bootstrap-expect", 20*time.Second)
	time.Sleep(2 * time.Second)
	for _, n := range nodes[:2] {
		if b, _ := os.ReadFile(n.logPath); strings.Contains(string(b), "bootstrapped") || strings.Contains(string(b), "entering leader state") {
			t.Fatalf("%s formed a cluster it should not have:\n%s", n.id, tail(b, 2000))
		}
	}
}

// A fifth node started with --join only enters a running four-node
// cluster as a non-voter, catches up with what was written before, and is
// promoted to voter.
func TestGossipFifthNodeJoinsRunningFour(t *testing.T) {
	base := t.TempDir()
	nodes, _ := newNodes(t, 4, base)
	c := formCluster(t, nodes)
	cl := c.client()
	parallelCreates(t, cl, 300, 16)
	want := mustList(t, cl, false)

	fifth := newNode(t, "n5", base)
	fifth.args = append(fifth.nodeArgs(), "--join", nodes[0].gossip)
	c.nodes = append(c.nodes, fifth)
	c.start(fifth)
	waitSuffrage(t, nodes, "n5", "Voter", 60*time.Second)
	waitConverged(t, c.client(fifth), want, 30*time.Second)
	waitMembers(t, c.nodes, ids(c.nodes)...)
	if b, _ := os.ReadFile(nodesLeaderLog(t, c)); !strings.Contains(string(b), "adding peer as a non-voter") {
		t.Fatalf("the leader did not log adding n5 as a non-voter")
	}
}

// nodesLeaderLog is the log file of the node leading now.
func nodesLeaderLog(t *testing.T, c *procCluster) string {
	t.Helper()
	return c.waitLeader(30 * time.Second).logPath
}

// A voter restarted under its old id, with its old flags and an empty data
// dir, rejoins and ends a voter with every object at its resourceVersion.
// If the leader saw it lagging (it may catch up first) it was demoted in
// between.
func TestGossipWipedNodeRejoins(t *testing.T) {
	nodes, _ := newNodes(t, 3, t.TempDir())
	c := formCluster(t, nodes, "--promote-after", "1s")
	cl := c.client()
	leader := c.waitLeader(30 * time.Second)
	wiped := c.followers(leader)[0]
	c.kill(wiped)
	// One create per entry: sequential writes outrun the lag allowance (256).
	for i := 0; i < 400; i++ {
		if _, err := cl.Create(ctxT(t, 30*time.Second), configMap(fmt.Sprintf("seq-%d", i), "x")); err != nil {
			t.Fatal(err)
		}
	}
	want := mustList(t, cl, false)
	if err := os.RemoveAll(wiped.dir); err != nil {
		t.Fatal(err)
	}
	c.start(wiped)
	waitConverged(t, c.client(wiped), want, 60*time.Second)
	waitMembers(t, nodes, ids(nodes)...)
	for _, n := range nodes {
		if b, _ := os.ReadFile(n.logPath); strings.Contains(string(b), "demoting a voter that restarted with an empty log") {
			t.Logf("%s demoted the wiped voter while it caught up", n.id)
		}
	}
}

// With --dead-peer-timeout a peer killed for good is removed while the
// others stay a majority; restarted later with its data and --join, it is
// added back and promoted.
func TestGossipDeadPeerCleanupAndReturn(t *testing.T) {
	nodes, _ := newNodes(t, 3, t.TempDir())
	c := formCluster(t, nodes, "--dead-peer-timeout", "2s", "--promote-after", "1s")
	leader := c.waitLeader(30 * time.Second)
	dead := c.followers(leader)[0]
	c.kill(dead)
	var rest []*procNode
	for _, n := range nodes {
		if n != dead {
			rest = append(rest, n)
		}
	}
	waitMembers(t, rest, ids(rest)...)
	if _, err := c.client(rest...).Create(ctxT(t, 30*time.Second), configMap("after-cleanup", "x")); err != nil {
		t.Fatal(err)
	}
	c.start(dead)
	waitMembers(t, nodes, ids(nodes)...)
	waitConverged(t, c.client(dead), mustList(t, c.client(rest...), false), 30*time.Second)
}

// Gossip marks a killed peer dead within ~10 s at three nodes, but a peer
// paused for 2 s (SIGSTOP, SIGCONT) is never declared dead.
func TestGossipPauseIsNotDeath(t *testing.T) {
	nodes, _ := newNodes(t, 3, t.TempDir())
	c := formCluster(t, nodes)
	leader := c.waitLeader(30 * time.Second)
	paused, killed := c.followers(leader)[0], c.followers(leader)[1]
	paused.cmd.Process.Signal(syscall.SIGSTOP)
	time.Sleep(2 * time.Second)
	paused.cmd.Process.Signal(syscall.SIGCONT)

	c.kill(killed)
	start := time.Now()
	deadline := start.Add(30 * time.Second)
	for {
		v := membersJSON(t, []*procNode{leader})
		if gossipOf(v, killed.id) == "dead" {
			t.Logf("%s declared dead %s after the kill", killed.id, time.Since(start).Round(100*time.Millisecond))
			if g := gossipOf(v, paused.id); g != "alive" {
				t.Fatalf("paused peer %s is %q", paused.id, g)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not declared dead within 30 s: %+v", killed.id, v)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if b, _ := os.ReadFile(leader.logPath); strings.Contains(string(b), "peer="+paused.id+" state=dead") {
		t.Fatalf("the paused peer %s was declared dead at some point", paused.id)
	}
}

func gossipOf(v *membersView, id string) string {
	for _, m := range v.Members {
		if m.ID == id {
			return m.Gossip
		}
	}
	return ""
}

// Four fresh peers started together with --bootstrap-expect 3 form one
// cluster, not two: exactly one bootstraps, and the fourth is added and
// promoted by its leader.
func TestGossipMorePeersThanExpectedFormOneCluster(t *testing.T) {
	nodes, _ := newNodes(t, 4, t.TempDir())
	c := runNodes(t, nodes, "--bootstrap-expect", "3", "--join", joinList(nodes), "--promote-after", "1s")
	waitMembers(t, nodes, ids(nodes)...)
	oneBootstrapper(t, nodes)
	if _, err := c.client().Create(ctxT(t, 30*time.Second), configMap("one-cluster", "x")); err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// A write sent to a follower is forwarded to the leader, and every node
// then reads it back (linearizable reads), each with the same
// resourceVersion.
func TestClusterWriteThroughFollowerReadYourWrites(t *testing.T) {
	c := startCluster(t, 3)
	leader := c.waitLeader(30 * time.Second)
	for i, n := range c.followers(leader) {
		obj, err := c.client(n).Create(ctxT(t, 10*time.Second), configMap(fmt.Sprintf("via-%s", n.id), "v"))
		if err != nil {
			t.Fatalf("create through follower %s: %v", n.id, err)
		}
		for _, reader := range c.nodes {
			got, err := c.client(reader).Get(ctxT(t, 10*time.Second),
				&pb.GetRequest{Kind: "ConfigMap", Namespace: "default", Name: obj.Metadata.Name})
			if err != nil {
				t.Fatalf("write %d: read from %s: %v", i, reader.id, err)
			}
			if got.Metadata.ResourceVersion != obj.Metadata.ResourceVersion {
				t.Fatalf("%s sees rv %d, write returned %d", reader.id, got.Metadata.ResourceVersion, obj.Metadata.ResourceVersion)
			}
		}
	}
	// Bad input through a follower: a clear error, nothing stored.
	bad := configMap("Bad_Name", "v")
	_, err := c.client(c.followers(leader)[0]).Create(ctxT(t, 10*time.Second), bad)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "Bad_Name") {
		t.Fatalf("invalid name: got %v", err)
	}
	// A stale resourceVersion is a conflict naming the current one.
	cl := c.client()
	obj, err := cl.Create(ctxT(t, 10*time.Second), configMap("cas", "1"))
	if err != nil {
		t.Fatal(err)
	}
	upd := configMap("cas", "2")
	upd.Metadata.ResourceVersion = obj.Metadata.ResourceVersion
	if _, err := cl.Update(ctxT(t, 10*time.Second), upd); err != nil {
		t.Fatal(err)
	}
	_, err = cl.Update(ctxT(t, 10*time.Second), upd)
	if status.Code(err) != codes.Aborted || !strings.Contains(err.Error(), "current") {
		t.Fatalf("stale update: got %v", err)
	}
}

// SIGKILL of the leader under write load: a new leader is elected, writes
// continue, and every acknowledged write is present afterwards on every
// node.
func TestClusterLeaderKillWritesContinue(t *testing.T) {
	c := startCluster(t, 3)
	leader := c.waitLeader(30 * time.Second)
	ctx, stop := context.WithCancel(context.Background())
	w := &writer{}
	done := make(chan struct{})
	go func() { defer close(done); w.run(ctx, c.client(), "load") }()

	time.Sleep(time.Second)
	c.kill(leader)
	newLeader := c.waitLeader(30 * time.Second)
	if newLeader == leader {
		t.Fatal("killed leader still reported as leader")
	}
	w.mu.Lock()
	before := len(w.acked)
	w.mu.Unlock()
	time.Sleep(2 * time.Second)
	stop()
	<-done
	if len(w.acked) <= before {
		t.Fatalf("no write acknowledged after the election (%d before, %d after)", before, len(w.acked))
	}
	for _, n := range c.running() {
		got := mustList(t, c.client(n), false)
		for name, rv := range w.acked {
			if got[name] != rv {
				t.Fatalf("%s: acknowledged %s (rv %d) missing or changed (rv %d)", n.id, name, rv, got[name])
			}
		}
	}
	t.Logf("%d writes acknowledged, %d failed around the failover", len(w.acked), w.fails)
}

// A follower that was down while the others wrote catches up on restart,
// from the log when the gap is short, and by installing a snapshot when
// the leader has truncated its log behind a snapshot.
func TestClusterRestartedNodeCatchesUp(t *testing.T) {
	c := startCluster(t, 3, "--snapshot-threshold", "64", "--snapshot-log-ratio", "0", "--snapshot-interval", "200ms", "--trailing-logs", "16",
		"--raft-segment-bytes", "32768")
	leader := c.waitLeader(30 * time.Second)
	lagger := c.followers(leader)[0]
	cl := c.client(leader)

	c.kill(lagger)
	for i := 0; i < 400; i++ {
		if _, err := cl.Create(ctxT(t, 10*time.Second), configMap(fmt.Sprintf("gap-%d", i), "x")); err != nil {
			t.Fatal(err)
		}
	}
	waitForLog(t, c.nodes, "snapshot complete", 30*time.Second)
	c.start(lagger)
	want := mustList(t, cl, false)
	waitConverged(t, c.client(lagger), want, 30*time.Second)
	b, _ := os.ReadFile(lagger.logPath)
	if !strings.Contains(string(b), "Installed remote snapshot") {
		t.Fatalf("%s caught up without installing a snapshot; log:\n%s", lagger.id, tail(b, 3000))
	}
}

// waitConverged waits until a node's local (stale) state holds exactly the
// objects of want, with the same resourceVersions.
func waitConverged(t *testing.T, cl *client.Client, want map[string]uint64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got map[string]uint64
	for time.Now().Before(deadline) {
		res, err := cl.List(ctxT(t, 5*time.Second), &pb.ListRequest{Kind: "ConfigMap", Namespace: "default", Stale: true})
		if err == nil {
			got = map[string]uint64{}
			for _, o := range res.Items {
				got[o.Metadata.Name] = o.Metadata.ResourceVersion
			}
			if maps.Equal(got, want) {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("not converged within %s: have %d objects, want %d", timeout, len(got), len(want))
}

func waitForLog(t *testing.T, nodes []*procNode, text string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, n := range nodes {
			if b, _ := os.ReadFile(n.logPath); strings.Contains(string(b), text) {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no node logged %q within %s", text, timeout)
}

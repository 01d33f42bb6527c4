package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// natsClient connects to a node's embedded NATS with its token.
func natsClient(t *testing.T, n *procNode) *nats.Conn {
	t.Helper()
	token, err := os.ReadFile(filepath.Join(n.dir, "nats", "token"))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect("nats://"+n.nats, nats.Token(strings.TrimSpace(string(token))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// The NATS subjects of a follower carry the same events, in the same order,
// as a gRPC watch on it.
func TestNATSSubjectsMatchWatch(t *testing.T) {
	c := startCluster(t, 3)
	leader := c.waitLeader(30 * time.Second)
	f := c.followers(leader)[0]
	msgs := make(chan *nats.Msg, 1000)
	nc := natsClient(t, f)
	if _, err := nc.ChanSubscribe("drover.events."+f.id+".ConfigMap.>", msgs); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	start, err := c.client(f).List(ctxT(t, 10*time.Second), &pb.ListRequest{Kind: "ConfigMap"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.client(f).Watch(ctxT(t, 60*time.Second), &pb.WatchRequest{Kind: "ConfigMap", ResourceVersion: start.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	want := writeMix(t, c.client(leader), "n", 120)
	got := collect(t, w, len(want))
	for i, ev := range got {
		var m *nats.Msg
		select {
		case m = <-msgs:
		case <-time.After(30 * time.Second):
			t.Fatalf("NATS event %d never arrived", i)
		}
		var nev pb.Event
		if err := proto.Unmarshal(m.Data, &nev); err != nil {
			t.Fatal(err)
		}
		rev, _ := strconv.ParseUint(m.Header.Get("Drover-Revision"), 10, 64)
		if nev.Type != ev.Type || nev.Revision != ev.Revision || rev != ev.Revision ||
			nev.Object.Metadata.Name != ev.Object.Metadata.Name {
			t.Fatalf("event %d: NATS %s %s@%d, watch %s %s@%d", i, nev.Type, nev.Object.Metadata.Name, nev.Revision,
				ev.Type, ev.Object.Metadata.Name, ev.Revision)
		}
	}
}

// An informer on every endpoint follows through a SIGKILL of the leader
// and the restart of the node: it ends with the server's objects at their
// revisions, and its handlers saw each object added once.
func TestInformerAcrossLeaderKill(t *testing.T) {
	c := startCluster(t, 3)
	leader := c.waitLeader(30 * time.Second)
	var mu sync.Mutex
	adds := map[string]int{}
	inf := client.NewInformer(c.client(), client.InformerConfig{Kind: "ConfigMap", Namespace: "default",
		Handlers: client.Handlers{OnAdd: func(o *pb.Object) {
			mu.Lock()
			adds[o.Metadata.Name]++
			mu.Unlock()
		}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); inf.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if !inf.WaitForSync(ctxT(t, 30*time.Second)) {
		t.Fatal("informer never synced")
	}
	cl := c.client()
	createAll(t, cl, "before", 100)
	c.kill(leader)
	createAll(t, cl, "after", 100)
	c.start(leader)
	c.waitLeader(60 * time.Second)
	createAll(t, cl, "restarted", 50)

	want := mustList(t, cl, false)
	deadline := time.Now().Add(60 * time.Second)
	for inf.Store().Len() != len(want) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for name, rv := range want {
		if o := inf.Store().Get("default", name); o == nil || o.Metadata.ResourceVersion != rv {
			t.Fatalf("%s: informer has %v, server rv %d", name, o, rv)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for name, n := range adds {
		if n != 1 {
			t.Fatalf("%s added %d times", name, n)
		}
	}
	t.Logf("%d objects, relists %d", len(want), inf.Relists())
}

// createAll creates n ConfigMaps named prefix-i, retrying each through a
// leader change; AlreadyExists on a retry means an earlier try landed.
func createAll(t *testing.T, cl *client.Client, prefix string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		deadline := time.Now().Add(30 * time.Second)
		for {
			_, err := cl.Create(ctxT(t, 10*time.Second), configMap(name, "x"))
			if err == nil || status.Code(err) == codes.AlreadyExists {
				break
			}
			if time.Now().After(deadline) || errors.Is(err, context.Canceled) {
				t.Fatalf("create %s: %v", name, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// A thousand watches on one node each get every event, in order.
func TestThousandWatchersOnOneNode(t *testing.T) {
	c := startCluster(t, 1)
	cl := c.client()
	start, err := cl.List(ctxT(t, 10*time.Second), &pb.ListRequest{Kind: "ConfigMap"})
	if err != nil {
		t.Fatal(err)
	}
	const watchers = 1000
	before := rssKiB(c.nodes[0])
	streams := make([]pb.Objects_WatchClient, watchers)
	for i := range streams {
		if streams[i], err = cl.Watch(ctxT(t, 120*time.Second), &pb.WatchRequest{Kind: "ConfigMap",
			ResourceVersion: start.ResourceVersion}); err != nil {
			t.Fatal(err)
		}
	}
	waitWatchers(t, c.nodes[0], watchers)
	t.Logf("node RSS %d KiB before, %d KiB with %d idle watches", before, rssKiB(c.nodes[0]), watchers)
	want := writeMix(t, cl, "k", 12) // 19 creates, updates and deletes
	var wg sync.WaitGroup
	failures := make(chan string, watchers)
	for i, s := range streams {
		wg.Go(func() {
			for j, rev := range want {
				ev, err := s.Recv()
				if err != nil || ev.Revision != rev {
					failures <- fmt.Sprintf("watch %d event %d: %v (rev %d, want %d)", i, j, err, ev.GetRevision(), rev)
					return
				}
			}
		})
	}
	wg.Wait()
	close(failures)
	for f := range failures {
		t.Fatal(f)
	}
}

// rssKiB reads a node process's resident set size.
func rssKiB(n *procNode) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", n.cmd.Process.Pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kib, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return kib
		}
	}
	return 0
}

package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// A watch is served through NATS. Batches that never arrive (here: a
// forged batch breaks the chain twice, as a dropped message would) make
// the feed send every watch back to the history, and the watch still
// delivers each event once, in order.
func TestWatchThroughNATSSurvivesAHole(t *testing.T) {
	ctx, c, n, cl, w := watchedNode(t)
	createConfigMaps(ctx, t, cl, 0, 20)
	forgeBatch(t, n, c.cfgs[0].DataDir)
	createConfigMaps(ctx, t, cl, 20, 40)

	expectConfigMaps(t, w, 40)
	if n.feed.Gaps() == 0 || n.hub.Refills() == 0 {
		t.Fatalf("gaps %d, refills %d: the hole went unnoticed", n.feed.Gaps(), n.hub.Refills())
	}
}

func configMapIn(ns, name string) *pb.Object {
	o := configMap(name)
	o.Metadata.Namespace = ns
	return o
}

// forgeBatch publishes a batch that does not follow the last one.
func forgeBatch(t *testing.T, n *Node, dataDir string) {
	t.Helper()
	token, err := os.ReadFile(NATSTokenPath(dataDir))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(n.NATSURL(), nats.Token(strings.TrimSpace(string(token))))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	data, _ := proto.Marshal(&pb.EventBatch{Applied: 1 << 40, PrevApplied: 1 << 39})
	if err := nc.Publish(batchSubject(n.cfg.ID), data); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

// With --nats-url a node runs no NATS server of its own: it publishes its
// events to the given one, and its watches are served through it.
func TestExternalNATS(t *testing.T) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: server.RANDOM_PORT, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	defer srv.Shutdown()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("external nats did not start")
	}
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.APIAddr, cfg.RaftAddr, cfg.HTTPAddr, cfg.GossipAddr = "127.0.0.1:0", freeAddr(t), "", ""
	cfg.NATSAddr, cfg.NATSURL = freeAddr(t), srv.ClientURL()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if n.natsServer != nil {
		t.Fatal("a node given --nats-url started its own server")
	}
	sub, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	msgs := make(chan *nats.Msg, 10)
	if _, err := sub.ChanSubscribe("drover.events."+cfg.ID+".ConfigMap.>", msgs); err != nil {
		t.Fatal(err)
	}
	if err := sub.Flush(); err != nil {
		t.Fatal(err)
	}
	cl, err := client.New([]string{n.APIAddr()})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for !n.Store().IsLeader() {
		time.Sleep(10 * time.Millisecond)
	}
	w, err := cl.Watch(ctx, &pb.WatchRequest{Kind: "ConfigMap", Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for n.hub.Watchers() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	created, err := cl.Create(ctx, configMapIn("default", "ext"))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := w.Recv()
	if err != nil || ev.Revision != created.Metadata.ResourceVersion {
		t.Fatalf("watch: %v %v", ev, err)
	}
	select {
	case m := <-msgs:
		if m.Header.Get("Drover-Revision") != fmt.Sprint(created.Metadata.ResourceVersion) {
			t.Fatalf("external subject got revision %s", m.Header.Get("Drover-Revision"))
		}
	case <-ctx.Done():
		t.Fatal("nothing published to the external nats")
	}
}

// watchedNode starts a one-node cluster and a ConfigMap watch on its
// "default" namespace, and returns once the node has registered the watch.
func watchedNode(t *testing.T) (context.Context, *testCluster, *Node, *client.Client, pb.Objects_WatchClient) {
	t.Helper()
	c := newTestCluster(t, 1)
	_, n := c.leader()
	cl := c.client(0)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	w, err := cl.Watch(ctx, &pb.WatchRequest{Kind: "ConfigMap", Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	for n.hub.Watchers() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	return ctx, c, n, cl, w
}

// createConfigMaps creates cm-<from> ... cm-<to-1> in "default".
// expectConfigMaps receives n events from w that must be the creations of
// cm-0 ... cm-(n-1), in order.
func expectConfigMaps(t *testing.T, w pb.Objects_WatchClient, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		ev, err := w.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("cm-%d", i); ev.Object.Metadata.Name != want || ev.Type != pb.EventType_ADDED {
			t.Fatalf("event %d: %s %s, want ADDED %s", i, ev.Type, ev.Object.Metadata.Name, want)
		}
	}
}

func createConfigMaps(ctx context.Context, t *testing.T, cl *client.Client, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := cl.Create(ctx, configMapIn("default", fmt.Sprintf("cm-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
}

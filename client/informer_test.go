package client_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/drover/drover/client"
	"github.com/drover/drover/node"
	pb "github.com/drover/drover/proto/droverpb"
)

// startNode runs a real single-node cluster in this process (Raft, bbolt,
// the API over gRPC) and returns a client for it.
func startNode(t *testing.T, tune func(*node.Config)) *client.Client {
	t.Helper()
	cfg := node.DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "n1")
	cfg.APIAddr, cfg.RaftAddr, cfg.HTTPAddr, cfg.GossipAddr, cfg.NATSAddr = "127.0.0.1:0", loopback(t), "", "", "127.0.0.1:0"
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if tune != nil {
		tune(&cfg)
	}
	n, err := node.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	cl, err := client.New([]string{n.APIAddr()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := cl.Get(ctx, &pb.GetRequest{Kind: "Namespace", Name: "default"})
		cancel()
		if err == nil {
			return cl
		}
		if time.Now().After(deadline) {
			t.Fatalf("node not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func loopback(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func configMap(name, value string) *pb.Object {
	return &pb.Object{ApiVersion: "v1", Kind: "ConfigMap", Metadata: &pb.ObjectMeta{Name: name, Namespace: "default"},
		Body: []byte(fmt.Sprintf(`{"data":{"v":%q}}`, value))}
}

// recorder keeps what the handlers saw, as "add NAME", "update NAME", ...
type recorder struct {
	mu   sync.Mutex
	seen []string
	// hold, when set, makes handlers wait until it is closed.
	hold atomic.Pointer[chan struct{}]
}

func (r *recorder) handlers() client.Handlers {
	note := func(what string, o *pb.Object) {
		if g := r.hold.Load(); g != nil {
			<-*g
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.seen = append(r.seen, what+" "+o.GetMetadata().GetName())
	}
	return client.Handlers{
		OnAdd:    func(o *pb.Object) { note("add", o) },
		OnUpdate: func(_, o *pb.Object) { note("update", o) },
		OnDelete: func(o *pb.Object) { note("delete", o) },
	}
}

func (r *recorder) saw() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.seen...)
}

func runInformer(t *testing.T, cl *client.Client, cfg client.InformerConfig) *client.Informer {
	t.Helper()
	inf := client.NewInformer(cl, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); inf.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return inf
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// The informer lists what exists (page by page), then follows creates,
// updates and deletes in order; its copy equals the server's at its
// revision.
func TestInformerListsThenFollows(t *testing.T) {
	cl := startNode(t, nil)
	for i := 0; i < 7; i++ {
		if _, err := cl.Create(ctx(t), configMap(fmt.Sprintf("pre-%d", i), "x")); err != nil {
			t.Fatal(err)
		}
	}
	rec := &recorder{}
	inf := runInformer(t, cl, client.InformerConfig{Kind: "ConfigMap", Namespace: "default", PageSize: 3, Handlers: rec.handlers()})
	if !inf.WaitForSync(ctx(t)) || inf.Store().Len() != 7 {
		t.Fatalf("synced with %d objects, want 7", inf.Store().Len())
	}
	created, err := cl.Create(ctx(t), configMap("live", "1"))
	if err != nil {
		t.Fatal(err)
	}
	created.Body = []byte(`{"data":{"v":"2"}}`)
	if _, err := cl.Update(ctx(t), created); err != nil {
		t.Fatal(err)
	}
	gone, err := cl.Delete(ctx(t), &pb.DeleteRequest{Kind: "ConfigMap", Namespace: "default", Name: "pre-0"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the delete", func() bool { return inf.Store().ResourceVersion() >= gone.Metadata.ResourceVersion })
	want := []string{"add pre-0", "add pre-1", "add pre-2", "add pre-3", "add pre-4", "add pre-5", "add pre-6",
		"add live", "update live", "delete pre-0"}
	if got := rec.saw(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("handlers saw %v\nwant %v", got, want)
	}
	list, err := cl.List(ctx(t), &pb.ListRequest{Kind: "ConfigMap", Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if inf.Store().Len() != len(list.Items) || string(inf.Store().Get("default", "live").Body) != `{"data":{"v":"2"}}` {
		t.Fatalf("copy has %d objects, server %d", inf.Store().Len(), len(list.Items))
	}
}

// An informer held back by a slow handler while the history it needs is
// compacted away gets a compacted error, lists again, and ends with the
// server's state; the handlers see the difference.
func TestInformerRelistsAfterCompaction(t *testing.T) {
	cl := startNode(t, func(c *node.Config) {
		c.HistoryMaxEvents, c.CompactInterval, c.WatchBuffer = 50, 50*time.Millisecond, 16
	})
	rec := &recorder{}
	inf := runInformer(t, cl, client.InformerConfig{Kind: "ConfigMap", Namespace: "default", Handlers: rec.handlers()})
	if !inf.WaitForSync(ctx(t)) {
		t.Fatal("no sync")
	}
	gate := make(chan struct{})
	rec.hold.Store(&gate) // the next handler call blocks
	if _, err := cl.Create(ctx(t), configMap("first", "x")); err != nil {
		t.Fatal(err)
	}
	// Large objects fill the stream's buffers (gRPC windows, the server's
	// queue) well before the burst ends, so the server must fall back to
	// its history, which compaction has moved past.
	big := strings.Repeat("x", 16<<10)
	for i := 0; i < 600; i++ {
		if _, err := cl.Create(ctx(t), configMap(fmt.Sprintf("burst-%d", i), big)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // let compaction pass the informer
	close(gate)
	eventually(t, "a relist", func() bool { return inf.Relists() > 0 })
	eventually(t, "the copy to hold every object", func() bool { return inf.Store().Len() == 601 })
	t.Logf("relists: %d, handler calls: %d", inf.Relists(), len(rec.saw()))
}

// A resync period replays every object to OnUpdate.
func TestInformerResync(t *testing.T) {
	cl := startNode(t, nil)
	if _, err := cl.Create(ctx(t), configMap("one", "x")); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	resyncs := 0
	inf := runInformer(t, cl, client.InformerConfig{Kind: "ConfigMap", Namespace: "default", ResyncPeriod: 50 * time.Millisecond,
		Handlers: client.Handlers{OnUpdate: func(old, o *pb.Object) {
			if old == o {
				mu.Lock()
				resyncs++
				mu.Unlock()
			}
		}}})
	inf.WaitForSync(ctx(t))
	eventually(t, "two resyncs", func() bool { mu.Lock(); defer mu.Unlock(); return resyncs >= 2 })
}

// A request the server rejects (an unknown kind, a bad selector) ends Run
// with the error instead of retrying forever.
func TestInformerStopsOnRejectedRequest(t *testing.T) {
	cl := startNode(t, nil)
	for _, cfg := range []client.InformerConfig{
		{Kind: "Nope"},
		{Kind: "ConfigMap", LabelSelector: "a in (b"},
		{Kind: "ConfigMap", WatchFrom: 1, FieldSelector: "spec.unknown=x"},
	} {
		err := client.NewInformer(cl, cfg).Run(ctx(t))
		if err == nil || ctx(t).Err() != nil {
			t.Errorf("%+v: Run returned %v", cfg, err)
		}
	}
}

package client

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/drover/drover/proto/droverpb"
)

// idRecorder is an Objects server that records each write's request id and
// answers Unavailable to the first `fail` writes it sees (shared between
// endpoints), as a node whose connection broke mid-call would.
type idRecorder struct {
	pb.UnimplementedObjectsServer
	mu   *sync.Mutex
	ids  *[]string
	fail *int
}

func (r *idRecorder) record(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	*r.ids = append(*r.ids, id)
	if *r.fail > 0 {
		*r.fail--
		return status.Error(codes.Unavailable, "connection reset")
	}
	return nil
}

func (r *idRecorder) Create(_ context.Context, req *pb.CreateRequest) (*pb.Object, error) {
	return req.Object, r.record(req.RequestId)
}
func (r *idRecorder) Update(_ context.Context, req *pb.UpdateRequest) (*pb.Object, error) {
	return req.Object, r.record(req.RequestId)
}
func (r *idRecorder) UpdateStatus(_ context.Context, req *pb.UpdateRequest) (*pb.Object, error) {
	return req.Object, r.record(req.RequestId)
}
func (r *idRecorder) Delete(_ context.Context, req *pb.DeleteRequest) (*pb.Object, error) {
	return &pb.Object{}, r.record(req.RequestId)
}

func TestWritesCarryOneRequestIDAcrossRetries(t *testing.T) {
	var mu sync.Mutex
	var ids []string
	fail := 0
	var eps []string
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		g := grpc.NewServer()
		pb.RegisterObjectsServer(g, &idRecorder{mu: &mu, ids: &ids, fail: &fail})
		go g.Serve(l)
		t.Cleanup(g.Stop)
		eps = append(eps, l.Addr().String())
	}
	c, err := New(eps)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o := &pb.Object{Kind: "ConfigMap", Metadata: &pb.ObjectMeta{Name: "x"}}
	del := &pb.DeleteRequest{Kind: "ConfigMap", Name: "x"}
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"create", func(ctx context.Context) error { _, err := c.Create(ctx, o); return err }},
		{"update", func(ctx context.Context) error { _, err := c.Update(ctx, o); return err }},
		{"status", func(ctx context.Context) error { _, err := c.UpdateStatus(ctx, o); return err }},
		{"delete", func(ctx context.Context) error { _, err := c.Delete(ctx, del); return err }},
	}
	seen := map[string]bool{}
	for _, tc := range calls {
		mu.Lock()
		ids, fail = nil, 3 // both endpoints fail once, then one more sweep
		mu.Unlock()
		if err := tc.call(ctx); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		mu.Lock()
		got := append([]string(nil), ids...)
		mu.Unlock()
		if len(got) != 4 || len(got[0]) != 32 {
			t.Fatalf("%s: ids %q, want one 32-hex id sent 4 times", tc.name, got)
		}
		for _, id := range got {
			if id != got[0] {
				t.Fatalf("%s: retries changed the id: %q", tc.name, got)
			}
		}
		if seen[got[0]] {
			t.Fatalf("%s: id %s reused from an earlier call", tc.name, got[0])
		}
		seen[got[0]] = true
	}
	if del.RequestId != "" {
		t.Fatal("Delete modified the caller's request")
	}

	// The caller's own ids win.
	check := func(want string) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if len(ids) != 1 || ids[0] != want {
			t.Fatalf("ids %q, want %q", ids, want)
		}
		ids = nil
	}
	mu.Lock()
	ids = nil
	mu.Unlock()
	if _, err := c.Delete(ctx, &pb.DeleteRequest{Kind: "ConfigMap", Name: "x", RequestId: "mine"}); err != nil {
		t.Fatal(err)
	}
	check("mine")
	if _, err := c.Create(WithRequestID(ctx, "ctx-id"), o); err != nil {
		t.Fatal(err)
	}
	check("ctx-id")
}

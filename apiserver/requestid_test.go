package apiserver

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

func sameObject(t *testing.T, what string, got, want *pb.Object) {
	t.Helper()
	if !proto.Equal(got, want) {
		t.Fatalf("%s answered\n%v\nwant the first outcome\n%v", what, got, want)
	}
}

func TestCreateRetrySameRequestID(t *testing.T) {
	n := startNode(t, nodeOptions{})
	req := &pb.CreateRequest{Object: configMap("", "cfg", "v"), RequestId: "create-1"}
	first, err := n.cli.Create(testCtx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	applied := n.fsm.AppliedIndex()
	again, err := n.cli.Create(testCtx(t), req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	sameObject(t, "retried create", again, first)
	if n.fsm.AppliedIndex() != applied+1 {
		t.Fatalf("applied %d, want one more (empty) entry than %d", n.fsm.AppliedIndex(), applied)
	}
	if evs, _, _ := n.fsm.Events(applied, 0); len(evs) != 0 {
		t.Fatalf("retry wrote events: %v", evs)
	}
	// Another id is another create.
	_, err = n.cli.Create(testCtx(t), &pb.CreateRequest{Object: configMap("", "cfg", "v"), RequestId: "create-2"})
	wantCode(t, err, codes.AlreadyExists)

	// generateName: the retry does not make a second object.
	gen := configMap("", "", "v")
	gen.Metadata.GenerateName = "gen-"
	req = &pb.CreateRequest{Object: gen, RequestId: "create-gen"}
	a, err := n.cli.Create(testCtx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.cli.Create(testCtx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	sameObject(t, "retried generateName create", b, a)
	list := n.list(&pb.ListRequest{Kind: "ConfigMap", Namespace: "default"})
	if len(list.Items) != 2 {
		t.Fatalf("%d config maps, want 2", len(list.Items))
	}

	_, err = n.cli.Create(testCtx(t), &pb.CreateRequest{Object: configMap("", "long", "v"), RequestId: strings.Repeat("x", maxRequestIDLen+1)})
	wantCode(t, err, codes.InvalidArgument, "request_id")
}

func TestUpdateRetrySameRequestID(t *testing.T) {
	n := startNode(t, nodeOptions{})
	created := n.create(configMap("default", "cfg", "1"))

	// Conditional: the retry's own check would see a newer
	// resourceVersion and answer a spurious conflict.
	in := configMap("default", "cfg", "2")
	in.Metadata.ResourceVersion = created.Metadata.ResourceVersion
	req := &pb.UpdateRequest{Object: in, RequestId: "update-1"}
	first, err := n.cli.Update(testCtx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := n.cli.Update(testCtx(t), req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	sameObject(t, "retried update", again, first)

	// A conflict stays a conflict on retry.
	stale := configMap("default", "cfg", "3")
	stale.Metadata.ResourceVersion = created.Metadata.ResourceVersion
	sreq0 := &pb.UpdateRequest{Object: stale, RequestId: "update-stale"}
	for range 2 {
		_, err = n.cli.Update(testCtx(t), sreq0)
		wantCode(t, err, codes.Aborted)
	}

	// UpdateStatus goes the same way.
	p := n.create(pod("p", ""))
	st := pod("p", "")
	st.Status = []byte(`{"phase":"Running"}`)
	st.Metadata.ResourceVersion = p.Metadata.ResourceVersion
	sreq := &pb.UpdateRequest{Object: st, RequestId: "status-1"}
	s1, err := n.cli.UpdateStatus(testCtx(t), sreq)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := n.cli.UpdateStatus(testCtx(t), sreq)
	if err != nil {
		t.Fatal(err)
	}
	sameObject(t, "retried status update", s2, s1)
}

// TestUnconditionalUpdateRetry: the first call lost one race (attempt 1, a
// remembered conflict) and won attempt 2. A retry of the call replays both
// attempts' outcomes and answers attempt 2's object.
func TestUnconditionalUpdateRetry(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.create(configMap("default", "cfg", "1"))
	slipInStatusWrites(n, "cfg", 1)
	req := &pb.UpdateRequest{Object: configMap("default", "cfg", "mine"), RequestId: "u"}
	first, err := n.cli.Update(testCtx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"u", "u/attempt-2"} {
		if _, ok := n.fsm.RequestOutcome(id); !ok {
			t.Fatalf("%s not remembered", id)
		}
	}
	applied := n.fsm.AppliedIndex()
	again, err := n.cli.Update(testCtx(t), req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	sameObject(t, "retried update", again, first)
	if evs, _, _ := n.fsm.Events(applied, 0); len(evs) != 0 {
		t.Fatalf("retry wrote events: %v", evs)
	}
}

func TestDeleteRetrySameRequestID(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.create(configMap("default", "plain", "v"))
	req := &pb.DeleteRequest{Kind: "ConfigMap", Name: "plain", RequestId: "del-1"}
	first, err := n.cli.Delete(testCtx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := n.cli.Delete(testCtx(t), req)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	sameObject(t, "retried delete", again, first)

	// An update that removed the object (last finalizer of an object being
	// deleted): the retry's read finds nothing, yet answers the object.
	in := configMap("default", "fin", "v")
	in.Metadata.Finalizers = []string{"example.com/keep"}
	n.create(in)
	if _, err := n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "ConfigMap", Name: "fin"}); err != nil {
		t.Fatal(err)
	}
	ureq := &pb.UpdateRequest{Object: configMap("default", "fin", "v"), RequestId: "release"}
	u1, err := n.cli.Update(testCtx(t), ureq)
	if err != nil {
		t.Fatal(err)
	}
	u2, err := n.cli.Update(testCtx(t), ureq)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	sameObject(t, "retried releasing update", u2, u1)
}

// TestClientRetryAfterBrokenCall: the connection "breaks" after the server
// applied a create (the call answers Unavailable); the client retries with
// the same request id and gets the object it created, not AlreadyExists.
func TestClientRetryAfterBrokenCall(t *testing.T) {
	n := startNode(t, nodeOptions{})
	var mu sync.Mutex
	var ids []string
	broken := false
	breakFirst := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		out, err := h(ctx, req)
		c, ok := req.(*pb.CreateRequest)
		if !ok {
			return out, err
		}
		mu.Lock()
		defer mu.Unlock()
		ids = append(ids, c.RequestId)
		if !broken {
			broken = true
			return nil, status.Error(codes.Unavailable, "connection reset (simulated, after the write)")
		}
		return out, err
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer(grpc.UnaryInterceptor(breakFirst))
	n.srv.Register(g)
	go g.Serve(lis)
	t.Cleanup(g.Stop)

	c, err := client.New([]string{lis.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	out, err := c.Create(testCtx(t), configMap("default", "cfg", "v"))
	if err != nil {
		t.Fatalf("create with a broken first call: %v", err)
	}
	stored, err := n.fsm.Get("ConfigMap", "default", "cfg")
	if err != nil {
		t.Fatal(err)
	}
	sameObject(t, "retried create", out, stored)
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 2 || ids[0] == "" || ids[0] != ids[1] || len(ids[0]) != 32 {
		t.Fatalf("request ids %q: want one 32-hex id sent twice", ids)
	}
}

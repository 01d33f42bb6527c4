package client

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/drover/drover/proto/droverpb"
)

// fakeCluster answers Status; while unavailable is set it answers
// Unavailable, as a node without a leader does.
type fakeCluster struct {
	pb.UnimplementedClusterServer
	id          string
	leaderAddr  string
	unavailable atomic.Bool
	calls       atomic.Int64
}

func (f *fakeCluster) Status(context.Context, *pb.StatusRequest) (*pb.StatusResponse, error) {
	f.calls.Add(1)
	if f.unavailable.Load() {
		return nil, status.Error(codes.Unavailable, "no leader")
	}
	return &pb.StatusResponse{Id: f.id, LeaderApiAddr: f.leaderAddr}, nil
}

func serve(t *testing.T, f *fakeCluster) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	pb.RegisterClusterServer(g, f)
	go g.Serve(l)
	t.Cleanup(g.Stop)
	return l.Addr().String()
}

// closedAddr returns an address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestFailsOverToAReachableEndpoint(t *testing.T) {
	up := &fakeCluster{id: "up"}
	c, err := New([]string{closedAddr(t), serve(t, up)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := c.Status(ctx)
	if err != nil || st.Id != "up" {
		t.Fatalf("status: %v, %v", st, err)
	}
}

func TestRetriesWhileANodeAnswersUnavailable(t *testing.T) {
	f := &fakeCluster{id: "n1"}
	f.unavailable.Store(true)
	c, err := New([]string{serve(t, f)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.AfterFunc(300*time.Millisecond, func() { f.unavailable.Store(false) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Status(ctx); err != nil {
		t.Fatalf("status after the election: %v", err)
	}
	if f.calls.Load() < 2 {
		t.Fatal("the call was not retried")
	}
}

func TestGivesUpQuicklyWhenNothingListens(t *testing.T) {
	c, err := New([]string{closedAddr(t), closedAddr(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err = c.Status(ctx)
	if status.Code(err) != codes.Unavailable {
		t.Fatalf("want Unavailable, got %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("gave up only after %s", time.Since(start))
	}
}

func TestPreferLeader(t *testing.T) {
	follower := &fakeCluster{id: "follower"}
	leader := &fakeCluster{id: "leader"}
	fAddr, lAddr := serve(t, follower), serve(t, leader)
	follower.leaderAddr, leader.leaderAddr = lAddr, lAddr
	c, err := New([]string{fAddr, lAddr})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if ok, err := c.PreferLeader(ctx); !ok || err != nil {
		t.Fatalf("PreferLeader: %v %v", ok, err)
	}
	if st, err := c.Status(ctx); err != nil || st.Id != "leader" {
		t.Fatalf("after PreferLeader the call went to %v (%v)", st, err)
	}
	if _, err := New(ParseEndpoints(" , ")); err == nil {
		t.Fatal("no endpoints accepted")
	}
}

package apiserver

import (
	"context"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// testNow is the fixed leader clock every test server stamps with.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// fakeRaft is a Replicator without Raft: it applies each proposal straight
// to a real FSM as the next log entry, under one lock, as Raft's single FSM
// goroutine would.
type fakeRaft struct {
	fsm       *raftstore.FSM
	leader    atomic.Bool
	leaderID  atomic.Value // string
	proposals atomic.Int64

	mu sync.Mutex
	// interpose, when set, is called before each proposal; a command it
	// returns is applied first, as a concurrent writer's entry would be.
	interpose func() *pb.Command
}

// Propose applies cmd as the next entry, failing unless this fake leads.
func (f *fakeRaft) Propose(_ context.Context, cmd *pb.Command) ([]raftstore.OpResult, uint64, error) {
	if !f.IsLeader() {
		return nil, 0, raftstore.ErrNotLeader
	}
	f.proposals.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.interpose != nil {
		if c := f.interpose(); c != nil {
			f.applyLocked(c)
		}
	}
	return f.applyLocked(cmd)
}

// apply applies cmd as the next entry regardless of leadership.
func (f *fakeRaft) apply(cmd *pb.Command) ([]raftstore.OpResult, uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	res, idx, err := f.applyLocked(cmd)
	if err != nil {
		panic(err)
	}
	return res, idx
}

// applyLocked applies cmd as entry AppliedIndex+1; f.mu must be held.
func (f *fakeRaft) applyLocked(cmd *pb.Command) ([]raftstore.OpResult, uint64, error) {
	data, err := raftstore.EncodeCommand(cmd)
	if err != nil {
		return nil, 0, err
	}
	idx := f.fsm.AppliedIndex() + 1
	resp := f.fsm.ApplyBatch([]*raft.Log{{Index: idx, Term: 1, Type: raft.LogCommand, Data: data}})
	return resp[0].(*raftstore.ApplyResult).Results, idx, nil
}

// setInterpose installs fn (nil removes it).
func (f *fakeRaft) setInterpose(fn func() *pb.Command) {
	f.mu.Lock()
	f.interpose = fn
	f.mu.Unlock()
}

// LinearizableRead succeeds on the leader only; local state is always current.
func (f *fakeRaft) LinearizableRead(context.Context) error {
	if !f.IsLeader() {
		return raftstore.ErrNotLeader
	}
	return nil
}

// IsLeader reports the leader flag the test sets.
func (f *fakeRaft) IsLeader() bool { return f.leader.Load() }

// Leader reports the leader id the test sets, without a Raft address.
func (f *fakeRaft) Leader() (string, string) {
	id, _ := f.leaderID.Load().(string)
	return id, ""
}

// node is one Server over a real FSM, served on a real gRPC listener.
type node struct {
	t       *testing.T
	id      string
	fsm     *raftstore.FSM
	raft    *fakeRaft
	hub     *Hub
	srv     *Server
	addr    string
	cli     pb.ObjectsClient
	cluster pb.ClusterClient
}

// nodeOptions configure startNode; the zero value is a leader named "n1".
type nodeOptions struct {
	id         string
	follower   bool   // not the leader
	leaderID   string // what Leader() reports
	leaderWait time.Duration
	hubBuffer  int
	// membership, when set, serves the membership calls.
	membership Membership
	// members, when set, are the Raft members Status reports, with the
	// fake's leader id.
	members []*pb.Member
}

// startNode opens an FSM in a temp dir, creates the "default" namespace,
// serves a Server on 127.0.0.1:0 and dials it; everything stops at cleanup.
func startNode(t *testing.T, o nodeOptions) *node {
	t.Helper()
	if o.id == "" {
		o.id = "n1"
	}
	hub := NewHub(o.hubBuffer)
	fsm, err := raftstore.OpenFSM(raftstore.FSMConfig{Path: filepath.Join(t.TempDir(), "fsm.db"), Publisher: hub})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsm.Close() })
	fr := &fakeRaft{fsm: fsm}
	fr.leader.Store(!o.follower)
	fr.leaderID.Store(o.leaderID)
	n := &node{t: t, id: o.id, fsm: fsm, raft: fr, hub: hub}
	statusOf := func() *pb.StatusResponse { return &pb.StatusResponse{Id: o.id} }
	if o.members != nil {
		statusOf = func() *pb.StatusResponse {
			st := &pb.StatusResponse{Id: o.id, Members: o.members}
			st.LeaderId, _ = fr.Leader()
			if m := findMember(st, st.LeaderId); m != nil {
				st.LeaderApiAddr = m.ApiAddr
			}
			return st
		}
	}
	n.srv = New(Config{NodeID: o.id, Store: fr, State: fsm, Hub: hub, Now: func() time.Time { return testNow },
		LeaderWait: o.leaderWait, Status: statusOf, Membership: o.membership})
	t.Cleanup(n.srv.Close)
	n.mustApply(&pb.Op{Type: pb.OpType_CREATE, Object: &pb.Object{ApiVersion: "v1", Kind: "Namespace",
		Metadata: &pb.ObjectMeta{Name: "default", Uid: "ns-default"}}})

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer(append(ServerOptions(), grpc.WaitForHandlers(true))...)
	n.srv.Register(g)
	go g.Serve(lis)
	t.Cleanup(g.Stop)
	n.addr = lis.Addr().String()
	conn := dial(t, n.addr)
	n.cli, n.cluster = pb.NewObjectsClient(conn), pb.NewClusterClient(conn)
	return n
}

// dial opens a client connection closed at cleanup.
func dial(t *testing.T, addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	conn, err := grpc.NewClient(addr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// mustApply writes ops directly into the FSM as one entry (bypassing the
// API) and returns the entry's index; every op must succeed.
func (n *node) mustApply(ops ...*pb.Op) uint64 {
	n.t.Helper()
	res, idx := n.raft.apply(&pb.Command{Ops: ops, Timestamp: testNow.UnixNano()})
	for _, r := range res {
		if r.Err != nil {
			n.t.Fatalf("apply: %v", r.Err)
		}
	}
	return idx
}

// compact drops the history at or below rev.
func (n *node) compact(rev uint64) {
	n.t.Helper()
	n.mustApply(&pb.Op{Type: pb.OpType_COMPACT, CompactRevision: rev})
}

// create creates obj through the API and fails the test on error.
func (n *node) create(obj *pb.Object) *pb.Object {
	n.t.Helper()
	out, err := n.cli.Create(testCtx(n.t), &pb.CreateRequest{Object: obj})
	if err != nil {
		n.t.Fatalf("create %s: %v", obj.GetMetadata().GetName(), err)
	}
	return out
}

// update updates obj through the API and fails the test on error.
func (n *node) update(obj *pb.Object) *pb.Object {
	n.t.Helper()
	out, err := n.cli.Update(testCtx(n.t), &pb.UpdateRequest{Object: obj})
	if err != nil {
		n.t.Fatalf("update %s: %v", obj.GetMetadata().GetName(), err)
	}
	return out
}

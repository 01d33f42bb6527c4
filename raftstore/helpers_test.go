package raftstore

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
	"go.etcd.io/bbolt"
)

// recorder is a Publisher that keeps what it was given.
type recorder struct {
	mu      sync.Mutex
	events  []*pb.Event
	calls   int
	applied uint64
	resets  []uint64
}

func (r *recorder) Publish(events []*pb.Event, applied uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, events...)
	r.calls++
	r.applied = applied
}

func (r *recorder) Reset(applied uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resets = append(r.resets, applied)
}

// testStore is an FSM with a Raft-like index counter.
type testStore struct {
	*FSM
	t    *testing.T
	path string
	pub  *recorder
	next uint64
}

func openStore(t *testing.T, path string) *testStore {
	t.Helper()
	pub := &recorder{}
	f, err := OpenFSM(FSMConfig{Path: path, Publisher: pub})
	if err != nil {
		t.Fatalf("OpenFSM: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return &testStore{FSM: f, t: t, path: path, pub: pub, next: f.AppliedIndex() + 1}
}

func newStore(t *testing.T) *testStore {
	return openStore(t, filepath.Join(t.TempDir(), "fsm.db"))
}

// crash closes bbolt without the clean-shutdown marker, as a killed process
// would leave it.
func (s *testStore) crash() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.db.Close(); err != nil {
		s.t.Fatal(err)
	}
	s.db = nil
}

func logEntry(t testing.TB, index uint64, cmd *pb.Command) *raft.Log {
	b, err := EncodeCommand(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return &raft.Log{Index: index, Term: 1, Type: raft.LogCommand, Data: b}
}

// apply applies one command as the next entry and returns its results.
func (s *testStore) apply(ts int64, ops ...*pb.Op) []OpResult {
	s.t.Helper()
	resp := s.ApplyBatch([]*raft.Log{logEntry(s.t, s.next, &pb.Command{Ops: ops, Timestamp: ts})})
	s.next++
	return resp[0].(*ApplyResult).Results
}

// one applies a single op and returns its result.
func (s *testStore) one(op *pb.Op) OpResult {
	s.t.Helper()
	return s.apply(1000+int64(s.next), op)[0]
}

// ok applies a single op that must succeed.
func (s *testStore) ok(op *pb.Op) *pb.Object {
	s.t.Helper()
	r := s.one(op)
	if r.Err != nil {
		s.t.Fatalf("op %v %s: %v", op.Type, op.Object.GetMetadata().GetName(), r.Err)
	}
	return r.Object
}

func obj(kind, ns, name string, body string, finalizers ...string) *pb.Object {
	return &pb.Object{Kind: kind, ApiVersion: "v1", Body: []byte(body), Metadata: &pb.ObjectMeta{
		Name: name, Namespace: ns, Uid: "uid-" + ns + "-" + name, Finalizers: finalizers,
		Labels: map[string]string{"app": name},
	}}
}

func create(o *pb.Object) *pb.Op { return &pb.Op{Type: pb.OpType_CREATE, Object: o} }
func update(o *pb.Object) *pb.Op { return &pb.Op{Type: pb.OpType_UPDATE, Object: o} }
func status(o *pb.Object) *pb.Op { return &pb.Op{Type: pb.OpType_UPDATE_STATUS, Object: o} }
func compact(rev uint64) *pb.Op  { return &pb.Op{Type: pb.OpType_COMPACT, CompactRevision: rev} }

func del(kind, ns, name string) *pb.Op {
	return &pb.Op{Type: pb.OpType_DELETE, Object: &pb.Object{Kind: kind, Metadata: &pb.ObjectMeta{Namespace: ns, Name: name}}}
}

func nsObj(name string) *pb.Object { return obj("Namespace", "", name, "") }

// dump returns every bucket's contents as printable lines.
func dump(t testing.TB, f *FSM) []string {
	t.Helper()
	var out []string
	err := f.view(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				out = append(out, fmt.Sprintf("%s %x %x", name, k, v))
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameDump(t *testing.T, a, b []string) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("dumps differ in length: %d vs %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("dumps differ at %d:\n%s\n%s", i, a[i], b[i])
		}
	}
}

// summary renders events as "TYPE Kind/ns/name@rev" lines.
func summary(evs []*pb.Event) string {
	var b bytes.Buffer
	for _, e := range evs {
		m := e.Object.GetMetadata()
		fmt.Fprintf(&b, "%s %s/%s/%s@%d\n", e.Type, e.Object.GetKind(), m.GetNamespace(), m.GetName(), e.Revision)
	}
	return b.String()
}

// memSink is an in-memory raft.SnapshotSink.
type memSink struct {
	bytes.Buffer
	cancelled, closed bool
}

func (m *memSink) ID() string    { return "mem" }
func (m *memSink) Cancel() error { m.cancelled = true; return nil }
func (m *memSink) Close() error  { m.closed = true; return nil }

func itoa(v uint64) string { return fmt.Sprint(v) }

func configEntries(index uint64) []*raft.Log {
	return []*raft.Log{{Index: index, Term: 1, Type: raft.LogConfiguration}}
}

// compactionTarget is CompactionTarget without a step bound.
func compactionTarget(f *FSM, maxEvents int, maxAge time.Duration, now time.Time) uint64 {
	target, _ := f.CompactionTarget(CompactionPolicy{MaxEvents: maxEvents, MaxAge: maxAge}, now)
	return target
}

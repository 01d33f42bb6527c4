package raftstore

import (
	"errors"
	"fmt"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/proto"
)

func withID(op *pb.Op, id string) *pb.Op { op.RequestId = id; return op }

// remembered lists the ids the store remembers, in requestIDs key order,
// and checks that the in-memory index agrees with the bucket and that every
// success points at an event in the history.
func remembered(t *testing.T, s *testStore) []string {
	t.Helper()
	var ids []string
	err := s.view(func(tx *bbolt.Tx) error {
		seen := map[string]bool{}
		c := tx.Bucket(bucketRequestIDs).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			loc := idLoc(k)
			id := recordID(loc, v)
			if seen[id] {
				t.Errorf("id %q remembered twice", id)
			}
			seen[id] = true
			ids = append(ids, id)
			if _, ok := readOutcome(tx.Bucket(bucketHistory), tx.Bucket(bucketRequestIDs), loc); !ok {
				t.Errorf("id %q at %x has no record", id, k)
			}
			if got, ok := s.requests.get(id); !ok || got != loc {
				t.Errorf("index has %q at %x (%v), bucket at %x", id, got, ok, k)
			}
		}
		s.requests.mu.RLock()
		defer s.requests.mu.RUnlock()
		if len(s.requests.ids) != len(ids) {
			t.Errorf("index holds %d ids, bucket %d", len(s.requests.ids), len(ids))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestRequestIDCreateTwice(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("default")))
	first := s.one(withID(create(obj("Pod", "default", "a", `{"v":1}`)), "r1"))
	if first.Err != nil {
		t.Fatal(first.Err)
	}
	events := len(s.pub.events)
	// The retry carries a different uid, as a re-stamped create would.
	again := obj("Pod", "default", "a", `{"v":1}`)
	again.Metadata.Uid = "another"
	second := s.one(withID(create(again), "r1"))
	if second.Err != nil {
		t.Fatalf("retry: %v", second.Err)
	}
	if !proto.Equal(first.Object, second.Object) {
		t.Fatalf("retry answered\n%v\nwant\n%v", second.Object, first.Object)
	}
	if len(s.pub.events) != events {
		t.Fatalf("retry wrote %d events", len(s.pub.events)-events)
	}
	got, err := s.Get("Pod", "default", "a")
	if err != nil || got.Metadata.Uid != "uid-default-a" || got.Metadata.ResourceVersion != first.Object.Metadata.ResourceVersion {
		t.Fatalf("stored %v, %v", got, err)
	}
	// Without an id, or with another, the create is applied and conflicts.
	if r := s.one(withID(create(again), "r2")); !errors.Is(r.Err, ErrAlreadyExists) {
		t.Fatalf("new id: %v", r.Err)
	}
	if r := s.one(create(again)); !errors.Is(r.Err, ErrAlreadyExists) {
		t.Fatalf("no id: %v", r.Err)
	}
	if ids := remembered(t, s); len(ids) != 2 {
		t.Fatalf("remembered %v", ids)
	}
}

func TestRequestIDSameEntry(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("default")))
	res := s.apply(5000,
		withID(create(obj("Pod", "default", "a", `{}`)), "x"),
		withID(create(obj("Pod", "default", "a", `{}`)), "x"))
	if res[0].Err != nil || res[1].Err != nil || !proto.Equal(res[0].Object, res[1].Object) {
		t.Fatalf("results %v", res)
	}
	if len(s.pub.events) != 2 { // namespace + pod
		t.Fatalf("%d events", len(s.pub.events))
	}
}

func TestRequestIDRemembersFailure(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("default")))
	p := s.ok(create(obj("Pod", "default", "a", `{"v":1}`)))
	stale := obj("Pod", "default", "a", `{"v":2}`)
	stale.Metadata.ResourceVersion = p.Metadata.ResourceVersion + 7
	first := s.one(withID(update(stale), "u1"))
	if !errors.Is(first.Err, ErrConflict) {
		t.Fatalf("first: %v", first.Err)
	}
	// The retry would now succeed, but the first outcome is the answer.
	stale.Metadata.ResourceVersion = p.Metadata.ResourceVersion
	second := s.one(withID(update(stale), "u1"))
	if !errors.Is(second.Err, ErrConflict) || second.Err.Error() != first.Err.Error() || second.Object != nil {
		t.Fatalf("retry: %v (first %v)", second.Err, first.Err)
	}
	if got, _ := s.Get("Pod", "default", "a"); got.Metadata.ResourceVersion != p.Metadata.ResourceVersion {
		t.Fatal("retry was applied")
	}
	// A missing object and a delete, the same way.
	if r := s.one(withID(del("Pod", "default", "nope"), "d0")); !errors.Is(r.Err, ErrNotFound) {
		t.Fatal(r.Err)
	}
	d := s.one(withID(del("Pod", "default", "a"), "d1"))
	if d.Err != nil {
		t.Fatal(d.Err)
	}
	d2 := s.one(withID(del("Pod", "default", "a"), "d1"))
	if d2.Err != nil || !proto.Equal(d.Object, d2.Object) {
		t.Fatalf("delete retry: %v %v", d2.Object, d2.Err)
	}
	// A retried delete answers the deleted object from its DELETED event.
	if r, ok := s.RequestOutcome("d1"); !ok || r.Err != nil || !proto.Equal(r.Object, d.Object) {
		t.Fatalf("RequestOutcome(d1): %v %v", r, ok)
	}
	// A success without an event is not remembered: a retry does it again.
	if r := s.one(withID(&pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "m", MemberApiAddr: "a"}, "m1")); r.Err != nil {
		t.Fatal(r.Err)
	}
	if r := s.one(withID(&pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "m", MemberApiAddr: "b"}, "m1")); r.Err != nil || r.Object != nil {
		t.Fatal(r)
	}
	if m, _ := s.Members(); m["m"] != "b" {
		t.Fatalf("members %v", m)
	}
	if _, ok := s.RequestOutcome("m1"); ok {
		t.Fatal("success without an event remembered")
	}
	if r, ok := s.RequestOutcome("u1"); !ok || !errors.Is(r.Err, ErrConflict) {
		t.Fatalf("RequestOutcome: %v %v", r, ok)
	}
	if _, ok := s.RequestOutcome("never"); ok {
		t.Fatal("unknown id remembered")
	}
}

func TestRequestIDTooLong(t *testing.T) {
	s := newStore(t)
	long := string(make([]byte, MaxRequestIDLen+1))
	if r := s.one(withID(create(nsObj("x")), long)); !errors.Is(r.Err, ErrInvalidCommand) {
		t.Fatal(r.Err)
	}
	if _, err := s.Get("Namespace", "", "x"); !errors.Is(err, ErrNotFound) {
		t.Fatal("applied")
	}
}

func TestRequestIDDeleteWithoutEvent(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("default")))
	o := obj("Pod", "default", "a", `{}`)
	o.Metadata.Finalizers = []string{"f"}
	s.ok(create(o))
	first := s.one(withID(del("Pod", "default", "a"), "mark"))
	if first.Err != nil || first.Object.Metadata.DeletionTimestamp == 0 {
		t.Fatal(first)
	}
	// Already being deleted: no event, so nothing to remember.
	if r := s.one(withID(del("Pod", "default", "a"), "noop")); r.Err != nil || !proto.Equal(r.Object, first.Object) {
		t.Fatal(r)
	}
	if got := fmt.Sprint(remembered(t, s)); got != "[mark]" {
		t.Fatalf("remembered %s", got)
	}
	if r := s.one(withID(del("Pod", "default", "a"), "mark")); r.Err != nil || !proto.Equal(r.Object, first.Object) {
		t.Fatal(r)
	}
}

// TestRequestIDForgottenByCompact: an id is remembered exactly as long as
// its revision is in the history.
func TestRequestIDForgottenByCompact(t *testing.T) {
	s := newStore(t)
	a := s.one(withID(create(nsObj("a")), "a"))
	b := s.one(withID(create(nsObj("b")), "b"))
	// Two ids in one entry, one of them a failure.
	s.apply(2000, withID(create(nsObj("c")), "c"), withID(create(nsObj("a")), "fail"))
	if got := fmt.Sprint(remembered(t, s)); got != "[a b c fail]" {
		t.Fatalf("remembered %s", got)
	}
	s.ok(compact(a.Object.Metadata.ResourceVersion))
	if got := fmt.Sprint(remembered(t, s)); got != "[b c fail]" {
		t.Fatalf("remembered %s", got)
	}
	// A forgotten id is applied again as new; a remembered one is not.
	if r := s.one(withID(create(nsObj("a")), "a")); !errors.Is(r.Err, ErrAlreadyExists) {
		t.Fatalf("forgotten id: %v", r.Err)
	}
	if r := s.one(withID(create(nsObj("b")), "b")); r.Err != nil || !proto.Equal(r.Object, b.Object) {
		t.Fatalf("remembered id: %v", r)
	}
	// Forget and remember again in one batch: the index follows.
	n := s.next
	s.ApplyBatch([]*raft.Log{
		logEntry(t, n, &pb.Command{Ops: []*pb.Op{compact(n)}}),
		logEntry(t, n+1, &pb.Command{Ops: []*pb.Op{withID(create(nsObj("d")), "b")}}),
		logEntry(t, n+2, &pb.Command{Ops: []*pb.Op{compact(n + 2)}}),
		logEntry(t, n+3, &pb.Command{Ops: []*pb.Op{withID(create(nsObj("e")), "e")}}),
	})
	s.next += 4
	if got := fmt.Sprint(remembered(t, s)); got != "[e]" {
		t.Fatalf("remembered %s", got)
	}
	if _, ok := s.RequestOutcome("b"); ok {
		t.Fatal("b still remembered")
	}
}

func TestRequestIDsTravelInSnapshots(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("default")))
	first := s.one(withID(create(obj("Pod", "default", "a", `{}`)), "snap"))
	dst := restoreCopy(t, s)
	dst.next = s.next
	again := dst.one(withID(create(obj("Pod", "default", "a", `{}`)), "snap"))
	if again.Err != nil || !proto.Equal(first.Object, again.Object) {
		t.Fatalf("after restore: %v %v", again.Object, again.Err)
	}
	if got := fmt.Sprint(remembered(t, dst)); got != "[snap]" {
		t.Fatalf("remembered %s", got)
	}
	if r, ok := dst.RequestOutcome("snap"); !ok || !proto.Equal(r.Object, first.Object) {
		t.Fatalf("RequestOutcome after restore: %v %v", r, ok)
	}
	// And across a reopen.
	s.Close()
	re := openStore(t, s.path)
	if r, ok := re.RequestOutcome("snap"); !ok || !proto.Equal(r.Object, first.Object) {
		t.Fatalf("after reopen: %v %v", r, ok)
	}
	if got := fmt.Sprint(remembered(t, re)); got != "[snap]" {
		t.Fatalf("remembered %s", got)
	}
}

package raftstore

import (
	"errors"
	"fmt"
	"testing"
	"time"

	pb "github.com/drover/drover/proto/droverpb"
	"google.golang.org/protobuf/proto"
)

func withID(op *pb.Op, id string) *pb.Op { op.RequestId = id; return op }

// setWindow shrinks the request window for one test.
func setWindow(t *testing.T, count uint64, age time.Duration) {
	oc, oa := requestWindowCount, requestWindowAge
	requestWindowCount, requestWindowAge = count, int64(age)
	t.Cleanup(func() { requestWindowCount, requestWindowAge = oc, oa })
}

// remembered lists the ids the store remembers, in (index, id) order, and
// checks the buckets and the counter agree.
func remembered(t *testing.T, s *testStore) []string {
	t.Helper()
	var ids, recs []string
	var count uint64
	for _, line := range dump(t, s.FSM) {
		var b string
		var k, v []byte
		if _, err := fmt.Sscanf(line, "%s %x %x", &b, &k, &v); err != nil {
			// empty values print as "" after the key; parse the key alone
			if _, err := fmt.Sscanf(line, "%s %x", &b, &k); err != nil {
				t.Fatal(line, err)
			}
		}
		switch b {
		case string(bucketRequestIndex):
			ids = append(ids, string(k[8:]))
		case string(bucketRequests):
			recs = append(recs, string(k))
		case string(bucketMeta):
			if string(k) == string(keyRequests) {
				count = uint64FromBytes(v)
			}
		}
	}
	if len(ids) != len(recs) || uint64(len(ids)) != count {
		t.Fatalf("request buckets disagree: index %d, records %d, counter %d", len(ids), len(recs), count)
	}
	return ids
}

func uint64FromBytes(v []byte) uint64 {
	var n uint64
	for _, b := range v {
		n = n<<8 | uint64(b)
	}
	return n
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
	// Ops without an object remember success.
	if r := s.one(withID(&pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "m", MemberApiAddr: "a"}, "m1")); r.Err != nil {
		t.Fatal(r.Err)
	}
	if r := s.one(withID(&pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "m", MemberApiAddr: "b"}, "m1")); r.Err != nil || r.Object != nil {
		t.Fatal(r)
	}
	if m, _ := s.Members(); m["m"] != "a" {
		t.Fatalf("members %v", m)
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

func TestRequestWindowCount(t *testing.T) {
	setWindow(t, 3, time.Hour)
	s := newStore(t)
	for i := 0; i < 5; i++ {
		s.ok(withID(create(nsObj(fmt.Sprintf("n%d", i))), fmt.Sprintf("id%d", i)))
	}
	// Two ids in one entry: ordered by (index, id).
	s.apply(2000, withID(create(nsObj("y")), "b"), withID(create(nsObj("z")), "a"))
	if got := fmt.Sprint(remembered(t, s)); got != "[id4 a b]" {
		t.Fatalf("remembered %s", got)
	}
	// A forgotten id is applied again.
	if r := s.one(withID(create(nsObj("n0")), "id0")); !errors.Is(r.Err, ErrAlreadyExists) {
		t.Fatalf("forgotten id: %v", r.Err)
	}
	if r := s.one(withID(create(nsObj("n4")), "b")); r.Err != nil {
		t.Fatalf("remembered id: %v", r.Err)
	}
}

func TestRequestWindowAge(t *testing.T) {
	setWindow(t, 100, time.Minute)
	s := newStore(t)
	sec := int64(time.Second)
	s.apply(0, withID(create(nsObj("a")), "a"))
	s.apply(30*sec, withID(create(nsObj("b")), "b"))
	s.apply(50*sec, create(nsObj("c"))) // no id: prunes nothing
	if got := fmt.Sprint(remembered(t, s)); got != "[a b]" {
		t.Fatalf("remembered %s", got)
	}
	// At 70 s, "a" (0 s) is older than a minute and is forgotten before
	// the lookup; "b" (30 s) is still remembered.
	if r := s.apply(70*sec, withID(create(nsObj("a")), "a"))[0]; !errors.Is(r.Err, ErrAlreadyExists) {
		t.Fatalf("expired id: %v", r.Err)
	}
	if r := s.apply(71*sec, withID(create(nsObj("b")), "b"))[0]; r.Err != nil {
		t.Fatalf("young id: %v", r.Err)
	}
	if got := fmt.Sprint(remembered(t, s)); got != "[b a]" {
		t.Fatalf("remembered %s", got)
	}
	s.apply(200*sec, withID(create(nsObj("d")), "d"))
	if got := fmt.Sprint(remembered(t, s)); got != "[d]" {
		t.Fatalf("remembered %s", got)
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
	// And across a reopen.
	s.Close()
	re := openStore(t, s.path)
	if r, ok := re.RequestOutcome("snap"); !ok || !proto.Equal(r.Object, first.Object) {
		t.Fatalf("after reopen: %v %v", r, ok)
	}
}

package raftstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	pb "github.com/drover/drover/proto/droverpb"
	"google.golang.org/protobuf/proto"
)

func names(items []*pb.Object) string {
	var out string
	for _, o := range items {
		out += o.Metadata.Namespace + "/" + o.Metadata.Name + " "
	}
	return out
}

func listAll(t *testing.T, s *testStore, opts ListOptions) ([]*pb.Object, uint64) {
	t.Helper()
	var items []*pb.Object
	var rev uint64
	for {
		res, err := s.List(opts)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, res.Items...)
		rev = res.Revision
		if res.NextKey == "" {
			return items, rev
		}
		opts.After, opts.Revision = res.NextKey, res.Revision
	}
}

func TestListPaginationScopeFilter(t *testing.T) {
	s := newStore(t)
	for _, ns := range []string{"a", "b"} {
		s.ok(create(nsObj(ns)))
		for i := 0; i < 5; i++ {
			s.ok(create(obj("Pod", ns, fmt.Sprintf("p%d", i), `{}`)))
		}
	}
	s.ok(create(obj("ConfigMap", "a", "cm", `{}`)))

	res, err := s.List(ListOptions{Kind: "pods", Namespace: "a", Limit: 2})
	if err != nil || names(res.Items) != "a/p0 a/p1 " || res.NextKey == "" || res.Revision != s.AppliedIndex() {
		t.Fatalf("first page: %q next %q rev %d err %v", names(res.Items), res.NextKey, res.Revision, err)
	}
	all, _ := listAll(t, s, ListOptions{Kind: "Pod", Limit: 3})
	if names(all) != "a/p0 a/p1 a/p2 a/p3 a/p4 b/p0 b/p1 b/p2 b/p3 b/p4 " {
		t.Fatalf("all namespaces: %s", names(all))
	}
	odd := func(o *pb.Object) bool { return o.Metadata.Name == "p1" || o.Metadata.Name == "p3" }
	res, _ = s.List(ListOptions{Kind: "Pod", Filter: odd, Limit: 3})
	if names(res.Items) != "a/p1 a/p3 b/p1 " || res.NextKey == "" {
		t.Fatalf("filtered page: %s next %q", names(res.Items), res.NextKey)
	}
	res, _ = s.List(ListOptions{Kind: "Pod", Filter: odd, After: res.NextKey, Revision: res.Revision, Limit: 3})
	if names(res.Items) != "b/p3 " || res.NextKey != "" {
		t.Fatalf("last filtered page: %s next %q", names(res.Items), res.NextKey)
	}
	if _, err := s.List(ListOptions{Kind: "Pod", Revision: s.AppliedIndex() + 1}); !errors.Is(err, ErrFutureRevision) {
		t.Fatalf("future revision: %v", err)
	}
}

// TestListAtRevision records the state after every entry of a generated log
// and checks that listing at each revision later rebuilds it exactly.
func TestListAtRevision(t *testing.T) {
	logs, _ := genLog(t, 300, 3)
	s := newStore(t)
	want := map[uint64][]*pb.Object{}
	for _, l := range logs {
		s.ApplyBatch(logs[l.Index-1 : l.Index])
		items, rev := listAll(t, s, ListOptions{Kind: "Pod"})
		want[rev] = items
	}
	compacted := s.CompactedRevision()
	checked := 0
	for rev := compacted; rev <= s.AppliedIndex(); rev++ {
		if _, ok := want[rev]; !ok || rev == 0 {
			continue
		}
		got, gotRev := listAll(t, s, ListOptions{Kind: "Pod", Revision: rev, Limit: 2})
		if gotRev != rev || len(got) != len(want[rev]) {
			t.Fatalf("rev %d: got %s want %s", rev, names(got), names(want[rev]))
		}
		for i := range got {
			if !proto.Equal(got[i], want[rev][i]) {
				t.Fatalf("rev %d item %d:\n%v\nwant\n%v", rev, i, got[i], want[rev][i])
			}
		}
		checked++
	}
	t.Logf("checked %d revisions, compacted at %d", checked, compacted)
	if checked < 20 {
		t.Fatalf("only %d revisions checked (compacted %d)", checked, compacted)
	}
	if compacted > 1 {
		if _, err := s.List(ListOptions{Kind: "Pod", Revision: compacted - 1}); !errors.Is(err, ErrCompacted) {
			t.Fatalf("below compaction: %v", err)
		}
	}
}

func TestListContinueWhileWriting(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("a")))
	for i := 0; i < 6; i++ {
		s.ok(create(obj("Pod", "a", fmt.Sprintf("p%d", i), `{}`)))
	}
	first, err := s.List(ListOptions{Kind: "Pod", Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	s.ok(del("Pod", "a", "p4"))
	s.ok(create(obj("Pod", "a", "p3x", `{}`)))
	s.ok(update(obj("Pod", "a", "p5", `{"v":9}`)))
	rest, err := s.List(ListOptions{Kind: "Pod", Limit: 10, After: first.NextKey, Revision: first.Revision})
	if err != nil || names(rest.Items) != "a/p3 a/p4 a/p5 " || string(rest.Items[2].Body) != `{}` {
		t.Fatalf("continue at %d: %s err %v", first.Revision, names(rest.Items), err)
	}
	if rest.Items[1].Metadata.ResourceVersion != 6 {
		t.Fatalf("restored deleted object rv = %d", rest.Items[1].Metadata.ResourceVersion)
	}
}

func TestEventsAndCompaction(t *testing.T) {
	s := newStore(t)
	s.apply(100, create(nsObj("a")))                                                     // rev 1
	s.apply(200, create(obj("Pod", "a", "x", `{}`)), create(obj("Pod", "a", "y", `{}`))) // rev 2: two events
	s.apply(300, create(obj("Pod", "a", "z", `{}`)))                                     // rev 3
	evs, applied, err := s.Events(0, 2)
	if err != nil || applied != 3 || summary(evs) != "ADDED Namespace//a@1\nADDED Pod/a/x@2\nADDED Pod/a/y@2\n" {
		t.Fatalf("events: %s applied %d err %v", summary(evs), applied, err)
	}
	if evs, _, _ = s.Events(1, 1); len(evs) != 2 {
		t.Fatalf("revision split: %s", summary(evs))
	}
	if got := compactionTarget(s.FSM, 2, 0, time.Unix(0, 0)); got != 2 {
		t.Fatalf("count target = %d, want 2 (keep whole revision 3 only)", got)
	}
	if got := compactionTarget(s.FSM, 0, time.Nanosecond*50, time.Unix(0, 160)); got != 1 {
		t.Fatalf("age target = %d, want 1", got)
	}
	if got := compactionTarget(s.FSM, 10, time.Hour, time.Unix(0, 300)); got != 0 {
		t.Fatalf("nothing to do, got %d", got)
	}
	s.apply(400, compact(2))
	if s.CompactedRevision() != 2 || compactionTarget(s.FSM, 2, 0, time.Unix(0, 0)) != 0 {
		t.Fatalf("compacted %d", s.CompactedRevision())
	}
	_, _, err = s.Events(1, 0)
	if !errors.Is(err, ErrCompacted) || err.Error() != "compacted: revision 1 is older than the oldest retained revision 2" {
		t.Fatalf("events below compaction: %v", err)
	}
	if evs, _, err = s.Events(2, 0); err != nil || summary(evs) != "ADDED Pod/a/z@3\n" {
		t.Fatalf("after compaction: %s %v", summary(evs), err)
	}
	s.apply(500, compact(1)) // older: ignored
	if s.CompactedRevision() != 2 {
		t.Fatalf("compaction went backwards: %d", s.CompactedRevision())
	}
}

func TestWaitApplied(t *testing.T) {
	s := newStore(t)
	done := make(chan error)
	go func() { done <- s.WaitApplied(context.Background(), 2) }()
	s.ok(create(nsObj("a")))
	select {
	case err := <-done:
		t.Fatalf("woke at index 1: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	s.ok(create(nsObj("b")))
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- s.WaitApplied(ctx, 100) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
	go func() { done <- s.WaitApplied(context.Background(), 100) }()
	s.Close()
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("close: %v", err)
	}
}

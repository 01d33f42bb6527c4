package apiserver

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	pb "github.com/drover/drover/proto/droverpb"
)

// openWatch starts a Watch on cli; the stream ends at cleanup.
func openWatch(t *testing.T, cli pb.ObjectsClient, req *pb.WatchRequest) pb.Objects_WatchClient {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	stream, err := cli.Watch(c, req)
	if err != nil {
		t.Fatal(err)
	}
	return stream
}

// next receives the next event that is not a bookmark.
func next(t *testing.T, s pb.Objects_WatchClient) *pb.WatchEvent {
	t.Helper()
	for {
		ev, err := s.Recv()
		if err != nil {
			t.Fatalf("recv: %v", err)
		}
		if ev.Type != pb.EventType_BOOKMARK {
			return ev
		}
	}
}

// expect receives len(want) events and compares them, as "TYPE name@rev"
// (or "TYPE name" when want omits the revision), with want.
func expect(t *testing.T, s pb.Objects_WatchClient, want ...string) []*pb.WatchEvent {
	t.Helper()
	var evs []*pb.WatchEvent
	for i, w := range want {
		ev := next(t, s)
		evs = append(evs, ev)
		got := fmt.Sprintf("%s %s", ev.Type, ev.Object.GetMetadata().GetName())
		if strings.Contains(w, "@") {
			got += fmt.Sprintf("@%d", ev.Revision)
		}
		if got != w {
			t.Fatalf("event %d: got %q, want %q", i, got, w)
		}
		if ev.Revision != ev.Object.GetMetadata().GetResourceVersion() {
			t.Fatalf("event %d: revision %d, object at %d", i, ev.Revision, ev.Object.Metadata.ResourceVersion)
		}
	}
	return evs
}

func TestWatchFromRevision(t *testing.T) {
	n := startNode(t, nodeOptions{})
	r1 := n.create(configMap("default", "a", "1")).Metadata.ResourceVersion
	r2 := n.update(configMap("default", "a", "2")).Metadata.ResourceVersion
	r3 := n.create(configMap("default", "b", "1")).Metadata.ResourceVersion
	del, err := n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "cm", Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	r4 := del.Metadata.ResourceVersion
	n.create(pod("p", "")) // another kind: never delivered

	s := openWatch(t, n.cli, &pb.WatchRequest{Kind: "configmaps", ResourceVersion: r1})
	evs := expect(t, s, fmt.Sprintf("MODIFIED a@%d", r2), fmt.Sprintf("ADDED b@%d", r3), fmt.Sprintf("DELETED a@%d", r4))
	if string(evs[0].Object.Body) != `{"data":{"k":"2"}}` {
		t.Errorf("MODIFIED carries %s", evs[0].Object.Body)
	}
	r5 := n.create(configMap("default", "c", "1")).Metadata.ResourceVersion
	expect(t, s, fmt.Sprintf("ADDED c@%d", r5))

	// From "now" (0): only later events, in another namespace filtered out.
	s0 := openWatch(t, n.cli, &pb.WatchRequest{Kind: "cm", Namespace: "default"})
	eventually(t, "watch subscribed", func() bool { return n.hub.Watchers() == 2 })
	n.mustApply(&pb.Op{Type: pb.OpType_CREATE, Object: &pb.Object{ApiVersion: "v1", Kind: "Namespace", Metadata: &pb.ObjectMeta{Name: "other"}}})
	n.create(configMap("other", "x", "1"))
	n.create(configMap("default", "y", "1"))
	expect(t, s0, "ADDED y")
	expect(t, s, "ADDED x", "ADDED y")
}

func TestWatchLabelSelectorTransitions(t *testing.T) {
	n := startNode(t, nodeOptions{})
	s := openWatch(t, n.cli, &pb.WatchRequest{Kind: "cm", LabelSelector: "app=web", ResourceVersion: n.fsm.AppliedIndex()})
	n.create(configMap("default", "x", "1", "app=db"))         // not matching
	n.update(configMap("default", "x", "1", "app=web"))        // starts matching
	n.update(configMap("default", "x", "2", "app=web"))        // still matching
	n.update(configMap("default", "x", "2", "app=db"))         // stops matching
	n.update(configMap("default", "x", "3", "app=db"))         // still not
	n.create(configMap("default", "sentinel", "1", "app=web")) // proves nothing else came
	evs := expect(t, s, "ADDED x", "MODIFIED x", "DELETED x", "ADDED sentinel")
	if evs[2].Object.Metadata.Labels["app"] != "db" {
		t.Errorf("DELETED carries labels %v", evs[2].Object.Metadata.Labels)
	}
}

// TestWatchSelectorDeletionByUpdate: an object the watch knows as matching
// leaves the store through an Update that both removes its last finalizer
// and changes its labels; the watch must still see it go.
func TestWatchSelectorDeletionByUpdate(t *testing.T) {
	n := startNode(t, nodeOptions{})
	s := openWatch(t, n.cli, &pb.WatchRequest{Kind: "cm", LabelSelector: "app=web", ResourceVersion: n.fsm.AppliedIndex()})
	in := configMap("default", "f", "1", "app=web")
	in.Metadata.Finalizers = []string{"example.com/keep"}
	n.create(in)
	if _, err := n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "cm", Name: "f"}); err != nil {
		t.Fatal(err)
	}
	n.update(configMap("default", "f", "1", "app=db")) // removed
	// The reverse: never matching while stored, so never seen.
	in = configMap("default", "g", "1", "app=db")
	in.Metadata.Finalizers = []string{"example.com/keep"}
	n.create(in)
	if _, err := n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "cm", Name: "g"}); err != nil {
		t.Fatal(err)
	}
	n.update(configMap("default", "g", "1", "app=web")) // removed
	n.create(configMap("default", "sentinel", "1", "app=web"))
	expect(t, s, "ADDED f", "MODIFIED f", "DELETED f", "ADDED sentinel")
}

func TestWatchSendInitialEvents(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.create(configMap("default", "a", "1", "app=web"))
	n.create(configMap("default", "b", "1", "app=db"))
	n.create(configMap("default", "c", "1", "app=web"))
	at := n.fsm.AppliedIndex()
	s := openWatch(t, n.cli, &pb.WatchRequest{Kind: "cm", LabelSelector: "app=web", SendInitialEvents: true})
	// Initial events carry the listing's revision.
	for _, want := range []string{"a", "c"} {
		if ev := next(t, s); ev.Type != pb.EventType_ADDED || ev.Object.Metadata.Name != want || ev.Revision != at {
			t.Fatalf("initial event %v %s@%d, want ADDED %s@%d", ev.Type, ev.Object.Metadata.Name, ev.Revision, want, at)
		}
	}
	n.update(configMap("default", "a", "2", "app=web"))
	expect(t, s, fmt.Sprintf("MODIFIED a@%d", n.fsm.AppliedIndex()))
}

func TestWatchBookmarks(t *testing.T) {
	n := startNode(t, nodeOptions{})
	start := n.fsm.AppliedIndex()
	s := openWatch(t, n.cli, &pb.WatchRequest{Kind: "cm", BookmarkIntervalMs: 1})
	bookmark := func() *pb.WatchEvent {
		ev, err := s.Recv()
		if err != nil || ev.Type != pb.EventType_BOOKMARK || ev.Object != nil {
			t.Fatalf("want a bookmark, got %v, %v", ev, err)
		}
		return ev
	}
	began := time.Now()
	if b := bookmark(); b.Revision != start {
		t.Errorf("first bookmark at %d, want %d", b.Revision, start)
	}
	if d := time.Since(began); d < minBookmarkInterval/2 {
		t.Errorf("bookmark after %v: interval below the minimum", d)
	}
	n.mustApply(&pb.Op{Type: pb.OpType_CREATE, Object: pod("p", "")}) // not a ConfigMap
	rev := n.create(configMap("default", "a", "1")).Metadata.ResourceVersion
	if ev, err := s.Recv(); err == nil && ev.Type == pb.EventType_BOOKMARK {
		ev = next(t, s) // a bookmark raced the write
		if ev.Revision != rev {
			t.Fatalf("event %v", ev)
		}
	} else if err != nil || ev.Revision != rev {
		t.Fatalf("event %v, %v", ev, err)
	}
	if b := bookmark(); b.Revision < rev {
		t.Errorf("bookmark at %d after an event at %d", b.Revision, rev)
	}
}

func TestWatchOverflowDeliversEverythingOnce(t *testing.T) {
	overflowDeliversEverythingOnce(t, openWatch)
}

// overflowDeliversEverythingOnce: a subscription that overflows while the
// client does not read is refilled from the history, and the stream open
// starts delivers everything once, in order.
func overflowDeliversEverythingOnce[S pb.Objects_WatchClient](t *testing.T, open opener[S]) {
	n := startNode(t, nodeOptions{hubBuffer: 1})
	// A small fixed window makes the server's Send block while the client
	// does not read, so the subscription overflows.
	conn := dial(t, n.addr, grpc.WithInitialWindowSize(64<<10), grpc.WithInitialConnWindowSize(64<<10))
	s := open(t, pb.NewObjectsClient(conn), &pb.WatchRequest{Kind: "cm"})
	eventually(t, "watch subscribed", func() bool { return n.hub.Watchers() == 1 })
	big := strings.Repeat("x", 16<<10)
	const writes = 60
	var revs []uint64
	for i := range writes {
		revs = append(revs, n.create(configMap("default", fmt.Sprintf("o%03d", i), big)).Metadata.ResourceVersion)
	}
	if n.hub.Refills() == 0 {
		t.Fatal("the subscription never overflowed; the test proves nothing")
	}
	for i := range writes {
		expect(t, s, fmt.Sprintf("ADDED o%03d@%d", i, revs[i]))
	}
	n.create(configMap("default", "sentinel", "1"))
	expect(t, s, "ADDED sentinel")
}

func TestWatchCompacted(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.create(configMap("default", "a", "1"))
	n.create(configMap("default", "b", "1"))
	n.compact(n.fsm.AppliedIndex())
	c := n.fsm.CompactedRevision()
	_, err := openWatch(t, n.cli, &pb.WatchRequest{Kind: "cm", ResourceVersion: c - 1}).Recv()
	wantCode(t, err, codes.OutOfRange, "oldest retained revision "+itoa(c))
	s := openWatch(t, n.cli, &pb.WatchRequest{Kind: "cm", ResourceVersion: c})
	n.create(configMap("default", "d", "1"))
	expect(t, s, "ADDED d")
}

func TestWatchCancelReleasesSubscription(t *testing.T) {
	n := startNode(t, nodeOptions{})
	c, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := n.cli.Watch(c, &pb.WatchRequest{Kind: "cm"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "watch subscribed", func() bool { return n.hub.Watchers() == 1 })
	cancel()
	if _, err := s.Recv(); err == nil {
		t.Fatal("recv after cancel succeeded")
	}
	eventually(t, "subscription released", func() bool { return n.hub.Watchers() == 0 })

	for _, req := range []*pb.WatchRequest{{Kind: "Gizmo"}, {Kind: "cm", LabelSelector: "a in (("}} {
		_, err := openWatch(t, n.cli, req).Recv()
		wantCode(t, err, codes.InvalidArgument)
	}
	_, err = openWatch(t, n.cli, &pb.WatchRequest{Kind: "cm", ResourceVersion: 1, FieldSelector: "status.phase=x"}).Recv()
	wantCode(t, err, codes.InvalidArgument)
	if w := n.hub.Watchers(); w != 0 {
		t.Errorf("%d subscriptions after failed watches", w)
	}
}

// TestWatchClusterScopedIgnoresNamespace: as List, Get and Delete do, a
// watch of a cluster-scoped kind ignores the request's namespace, for
// initial and live events alike.
func TestWatchClusterScopedIgnoresNamespace(t *testing.T) {
	n := startNode(t, nodeOptions{})
	s := openWatch(t, n.cli, &pb.WatchRequest{Kind: "Namespace", Namespace: "default", SendInitialEvents: true})
	expect(t, s, "ADDED default")
	ns := &pb.Object{ApiVersion: "v1", Kind: "Namespace", Metadata: &pb.ObjectMeta{Name: "later"}}
	n.create(ns)
	expect(t, s, "ADDED later")
}

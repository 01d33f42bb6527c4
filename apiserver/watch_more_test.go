package apiserver

import (
	"fmt"
	"strings"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
)

// createOps are CREATE ops for objs, to apply as one entry.
func createOps(objs ...*pb.Object) []*pb.Op {
	ops := make([]*pb.Op, len(objs))
	for i, o := range objs {
		ops[i] = &pb.Op{Type: pb.OpType_CREATE, Object: o}
	}
	return ops
}

// expectFlagged receives len(want) events and compares them, as
// "name@rev" with a "+" when more_at_revision is set, with want.
func expectFlagged(t *testing.T, s pb.Objects_WatchClient, want ...string) {
	t.Helper()
	var got []string
	for range want {
		ev := next(t, s)
		g := fmt.Sprintf("%s@%d", ev.Object.GetMetadata().GetName(), ev.Revision)
		if ev.MoreAtRevision {
			g += "+"
		}
		got = append(got, g)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// twoEntries applies two entries, each changing several ConfigMaps, and
// returns their revisions: {a web, b db, c web} then {x web, y db}.
func twoEntries(n *node) (uint64, uint64) {
	r1 := n.mustApply(createOps(configMap("default", "a", "1", "app=web"), configMap("default", "b", "1", "app=db"),
		configMap("default", "c", "1", "app=web"))...)
	r2 := n.mustApply(createOps(configMap("default", "x", "1", "app=web"), configMap("default", "y", "1", "app=db"))...)
	return r1, r2
}

// wantFlags checks the flags of twoEntries' events on an unfiltered and an
// app=web watch: every event but the last of its revision (after the
// filter) has more_at_revision set.
func wantFlags(t *testing.T, all, web pb.Objects_WatchClient, r1, r2 uint64) {
	t.Helper()
	at := func(name string, rev uint64, more bool) string {
		s := fmt.Sprintf("%s@%d", name, rev)
		if more {
			s += "+"
		}
		return s
	}
	expectFlagged(t, all, at("a", r1, true), at("b", r1, true), at("c", r1, false), at("x", r2, true), at("y", r2, false))
	// The filter keeps only x of the second entry: it is the last sent.
	expectFlagged(t, web, at("a", r1, true), at("c", r1, false), at("x", r2, false))
}

// opener starts a watch stream: Watch (openWatch) or WatchBatches
// (openBatches).
type opener[S pb.Objects_WatchClient] func(*testing.T, pb.ObjectsClient, *pb.WatchRequest) S

// liveFlags opens an unfiltered and an app=web watch, applies twoEntries
// and checks the flags of what both receive live; it returns the streams.
func liveFlags[S pb.Objects_WatchClient](t *testing.T, open opener[S]) (all, web S) {
	n := startNode(t, nodeOptions{})
	all = open(t, n.cli, &pb.WatchRequest{Kind: "cm"})
	web = open(t, n.cli, &pb.WatchRequest{Kind: "cm", LabelSelector: "app=web"})
	eventually(t, "watches subscribed", func() bool { return n.hub.Watchers() == 2 })
	r1, r2 := twoEntries(n)
	wantFlags(t, all, web, r1, r2)
	return all, web
}

// catchUpFlags applies twoEntries, then opens the same two watches from
// before them and checks the flags of what the history gives.
func catchUpFlags[S pb.Objects_WatchClient](t *testing.T, open opener[S]) (n *node, r2 uint64) {
	n = startNode(t, nodeOptions{})
	from := n.fsm.AppliedIndex()
	r1, r2 := twoEntries(n)
	all := open(t, n.cli, &pb.WatchRequest{Kind: "cm", ResourceVersion: from})
	web := open(t, n.cli, &pb.WatchRequest{Kind: "cm", LabelSelector: "app=web", ResourceVersion: from})
	wantFlags(t, all, web, r1, r2)
	return n, r2
}

// Live batches (the shared wire form) carry the flag per watch.
func TestWatchMoreAtRevisionLive(t *testing.T) { liveFlags(t, openWatch) }

// Catch-up from the history carries the flag too.
func TestWatchMoreAtRevisionCatchUp(t *testing.T) { catchUpFlags(t, openWatch) }

// Initial events share the listing's revision: all but the last carry the
// flag, across list pages; and a revision larger than a history page is
// flagged whole when caught up.
func TestWatchMoreAtRevisionInitialAndLargeRevision(t *testing.T) {
	n := startNode(t, nodeOptions{})
	from := n.fsm.AppliedIndex()
	var objs []*pb.Object
	const count = historyPage + 10
	for i := range count {
		objs = append(objs, configMap("default", fmt.Sprintf("o%04d", i), "1", "app=web"))
	}
	objs = append(objs, configMap("default", "zz", "1", "app=db"))
	rev := n.mustApply(createOps(objs...)...)
	for _, req := range []*pb.WatchRequest{
		{Kind: "cm", LabelSelector: "app=web", SendInitialEvents: true},
		{Kind: "cm", LabelSelector: "app=web", ResourceVersion: from},
	} {
		s := openWatch(t, n.cli, req)
		for i := range count {
			ev := next(t, s)
			if want := i < count-1; ev.Revision != rev || ev.MoreAtRevision != want {
				t.Fatalf("%v: event %d (%s) at %d, more %v; want at %d, more %v", req, i,
					ev.Object.Metadata.Name, ev.Revision, ev.MoreAtRevision, rev, want)
			}
		}
	}
	// Filtered: one initial event, not flagged.
	s := openWatch(t, n.cli, &pb.WatchRequest{Kind: "cm", LabelSelector: "app=db", SendInitialEvents: true})
	expectFlagged(t, s, fmt.Sprintf("zz@%d", rev))
}

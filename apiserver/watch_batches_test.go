package apiserver

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
)

// batchedStream reads a WatchBatches stream event by event, as the client
// library does, and records what each message carried.
type batchedStream struct {
	pb.Objects_WatchClient // only Recv is used
	s                      pb.Objects_WatchBatchesClient
	pending                []*pb.WatchEvent
	// counts and sizes are each message's events and encoded bytes.
	counts, sizes []int
}

func (b *batchedStream) Recv() (*pb.WatchEvent, error) {
	for len(b.pending) == 0 {
		msg, err := b.s.Recv()
		if err != nil {
			return nil, err
		}
		if len(msg.Events) == 0 {
			return nil, fmt.Errorf("an empty WatchEvents message")
		}
		b.counts = append(b.counts, len(msg.Events))
		b.sizes = append(b.sizes, proto.Size(msg))
		b.pending = msg.Events
	}
	ev := b.pending[0]
	b.pending = b.pending[1:]
	return ev, nil
}

// openBatches starts a WatchBatches on cli; the stream ends at cleanup.
func openBatches(t *testing.T, cli pb.ObjectsClient, req *pb.WatchRequest) *batchedStream {
	t.Helper()
	s, err := cli.WatchBatches(testCtx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return &batchedStream{s: s}
}

// Live: the events of one entry come in one message, with the same
// more_at_revision flags as Watch sends, per watch filter.
func TestWatchBatchesLive(t *testing.T) {
	all, web := liveFlags(t, openBatches)
	if fmt.Sprint(all.counts, web.counts) != "[3 2] [2 1]" {
		t.Errorf("events per message: all %v, app=web %v; want [3 2] and [2 1]", all.counts, web.counts)
	}
}

// Catch-up from the history and initial events give the same events and
// flags as Watch.
func TestWatchBatchesCatchUpAndInitial(t *testing.T) {
	n, r2 := catchUpFlags(t, openBatches)
	initial := openBatches(t, n.cli, &pb.WatchRequest{Kind: "cm", LabelSelector: "app=web", SendInitialEvents: true})
	expectFlagged(t, initial, fmt.Sprintf("a@%d+", r2), fmt.Sprintf("c@%d+", r2), fmt.Sprintf("x@%d", r2))
	if fmt.Sprint(initial.counts) != "[3]" {
		t.Errorf("initial events per message %v, want [3]", initial.counts)
	}
}

// Large events split an entry over several messages, none over the bound
// unless one event alone is; order and flags are kept.
func TestWatchBatchesBounded(t *testing.T) {
	n := startNode(t, nodeOptions{})
	s := openBatches(t, n.cli, &pb.WatchRequest{Kind: "cm"})
	eventually(t, "watch subscribed", func() bool { return n.hub.Watchers() == 1 })
	big := strings.Repeat("x", 400<<10)
	var objs []*pb.Object
	var want []string
	for i := range 5 {
		objs = append(objs, configMap("default", fmt.Sprintf("big%d", i), big))
	}
	rev := n.mustApply(createOps(objs...)...)
	for i := range 5 {
		w := fmt.Sprintf("big%d@%d", i, rev)
		if i < 4 {
			w += "+"
		}
		want = append(want, w)
	}
	expectFlagged(t, s, want...)
	if len(s.counts) < 2 {
		t.Errorf("2 MB of events came in %d message(s)", len(s.counts))
	}
	for i, size := range s.sizes {
		if size > maxWatchBatchBytes+64 {
			t.Errorf("message %d: %d bytes, over the %d bound", i, size, maxWatchBatchBytes)
		}
	}
}

// Bookmarks come alone, as one-event messages.
func TestWatchBatchesBookmarks(t *testing.T) {
	n := startNode(t, nodeOptions{})
	start := n.fsm.AppliedIndex()
	s := openBatches(t, n.cli, &pb.WatchRequest{Kind: "cm", BookmarkIntervalMs: 1})
	ev, err := s.Recv()
	if err != nil || ev.Type != pb.EventType_BOOKMARK || ev.Revision != start || s.counts[0] != 1 {
		t.Fatalf("want a lone bookmark at %d, got %v, %v (events per message %v)", start, ev, err, s.counts)
	}
}

// The overflow refill works the same through WatchBatches.
func TestWatchBatchesOverflowDeliversEverythingOnce(t *testing.T) {
	overflowDeliversEverythingOnce(t, openBatches)
}

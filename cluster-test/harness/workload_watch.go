package harness

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/client"
	"github.com/drover/drover/cluster-test/checker/replay"
	"github.com/drover/drover/cluster-test/history"
	pb "github.com/drover/drover/proto/droverpb"
)

// watchRecorder collects watch sessions from every watcher.
type watchRecorder struct {
	rec *history.Recorder
	mu  sync.Mutex
	all []history.WatchSession
	// progress is the highest revision each watcher has received whole,
	// live sessions included.
	progress map[int]uint64
}

// note records that watcher id received revision rev.
func (w *watchRecorder) note(id int, rev uint64) {
	w.mu.Lock()
	if w.progress == nil {
		w.progress = map[int]uint64{}
	}
	w.progress[id] = max(w.progress[id], rev)
	w.mu.Unlock()
}

// reached is the highest revision watcher id has received whole.
func (w *watchRecorder) reached(id int) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.progress[id]
}

func (w *watchRecorder) add(s history.WatchSession) {
	w.mu.Lock()
	w.all = append(w.all, s)
	w.mu.Unlock()
}

func (w *watchRecorder) sessions() []history.WatchSession {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]history.WatchSession(nil), w.all...)
}

// collectAllID is the watcher id of node i's collect-all watcher.
func collectAllID(i int) int { return 1000 + i }

// watchSession runs one watch call to its end and records it. It returns
// the last revision the session received whole (an event without
// more_at_revision, or a bookmark: a revision whose last event never came
// is not received, and resuming must repeat it) and whether
// it broke: ended with an error other than "compacted" before ctx ended.
// Callers decide whether to resume from the recorded session itself, so
// that the checker and the watcher agree on which sessions broke.
func (w *watchRecorder) watchSession(ctx context.Context, cl *client.Client, s history.WatchSession) (uint64, bool) {
	s.Started = w.rec.Now()
	last := s.FromRevision
	req := &pb.WatchRequest{Kind: kindConfigMap, Namespace: history.Namespace, LabelSelector: s.LabelSelector,
		ResourceVersion: s.FromRevision}
	if s.Bookmarks {
		req.BookmarkIntervalMs = 200
	}
	stream, err := cl.Watch(ctx, req)
	for err == nil {
		var ev *pb.WatchEvent
		if ev, err = stream.Recv(); err == nil {
			s.Events = append(s.Events, eventOf(ev, w.rec.Now()))
			if !ev.GetMoreAtRevision() {
				last = max(last, ev.GetRevision())
				w.note(s.Watcher, ev.GetRevision())
			}
		}
	}
	s.Ended = w.rec.Now()
	if ctx.Err() == nil && !errors.Is(err, io.EOF) && !endedByDeadline(ctx, err) {
		s.Error = err.Error()
		if status.Code(err) == codes.OutOfRange {
			s.Compacted, s.CompactedRevision = true, compactedRevisionOf(err)
		}
	}
	w.add(s)
	return last, s.Error != "" && !s.Compacted
}

// endedByDeadline reports a stream that gRPC ended at ctx's deadline a
// moment before ctx itself noticed: the watcher ended it, it did not break.
func endedByDeadline(ctx context.Context, err error) bool {
	deadline, ok := ctx.Deadline()
	return ok && status.Code(err) == codes.DeadlineExceeded && time.Until(deadline) < 100*time.Millisecond
}

// compactedRevisionOf reads the compaction revision a "compacted" error
// names (0 if it names none).
func compactedRevisionOf(err error) uint64 {
	rev, _ := replay.ParseCompacted(status.Convert(err).Message())
	return rev
}

// collectAll follows every change in the test namespace through node i
// from revision from, resuming after each break from the last revision it
// received whole, until ctx ends.
func (w *watchRecorder) collectAll(ctx context.Context, c *Cluster, i int, from uint64) {
	cl, err := c.Client(i)
	if err != nil {
		return
	}
	defer cl.Close()
	for ctx.Err() == nil {
		from, _ = w.watchSession(ctx, cl, history.WatchSession{Watcher: collectAllID(i), Endpoint: c.ID(i),
			FromRevision: from, Bookmarks: true})
		sleepCtx(ctx, 100*time.Millisecond)
	}
}

// pinnedWatcher is one T-watch watcher: sessions of a few seconds on one
// node, each starting near the newest revision it knows, with a random
// filter; after a broken session it resumes where it stopped.
func (w *watchRecorder) pinnedWatcher(ctx context.Context, c *Cluster, id, node int, head func() uint64, rng *rand.Rand) {
	cl, err := c.Client(node)
	if err != nil {
		return
	}
	defer cl.Close()
	resume := uint64(0)
	for ctx.Err() == nil {
		s := history.WatchSession{Watcher: id, Endpoint: c.ID(node), Bookmarks: rng.IntN(2) == 0}
		if rng.IntN(3) > 0 {
			s.LabelSelector = history.GroupSelector([]string{"a", "b"}[rng.IntN(2)])
		}
		s.FromRevision = resume
		if resume == 0 {
			h := head()
			s.FromRevision = h - min(h-1, uint64(rng.IntN(100)))
			if rng.IntN(10) == 0 {
				s.FromRevision = 1 // below the compaction, once there is one (P6)
			}
		}
		sctx, cancel := context.WithTimeout(ctx, time.Duration(2+rng.IntN(8))*time.Second)
		last, broken := w.watchSession(sctx, cl, s)
		cancel()
		resume = 0
		if broken {
			resume = last
			sleepCtx(ctx, 200*time.Millisecond)
		}
	}
}

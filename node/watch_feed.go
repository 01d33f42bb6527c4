package node

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	"github.com/drover/drover/apiserver"
	pb "github.com/drover/drover/proto/droverpb"
)

// Watches over NATS. With NATS on, the FSM does not hand batches to the
// API's watch hub directly: it publishes them (drover.batches.<node>, see
// events_nats.go) and this feed, subscribed while watches exist, passes
// them to the hub. NATS core may drop a message (a slow subscriber, a
// reconnect); each batch names the applied index of the one before, so the
// feed sees the hole and makes every watch refill from the history in
// bbolt, which holds everything this node applied. A watch therefore never
// runs ahead of its node and never loses or repeats an event.

// feedStallCheck is how often the feed compares what it received with what
// its node published. A batch lost on NATS shows as a hole when the next
// one arrives; if none follows (writes pause), only this check notices,
// and the watches refill from the history instead of waiting for the next
// write.
const feedStallCheck = time.Second

// feedIdleDelay keeps the subscription a while after the last watch
// ends, so that a watch that reconnects does not cost a resubscription.
const feedIdleDelay = 10 * time.Second

// watchFeed subscribes the hub to this node's batches on demand.
type watchFeed struct {
	nc      *nats.Conn
	subject string
	hub     *apiserver.Hub
	logger  *slog.Logger

	mu   sync.Mutex
	sub  *nats.Subscription
	idle *time.Timer
	// last is the applied index of the last batch received (at first,
	// of the last one published when the feed subscribed).
	last uint64
	// published reports the applied index of the node's last published
	// batch; behind is what it was at the previous stall check while the
	// feed had not received it (0: not behind).
	published func() uint64
	behind    uint64

	gaps atomic.Uint64
}

func newWatchFeed(nc *nats.Conn, node string, hub *apiserver.Hub, published func() uint64, logger *slog.Logger) *watchFeed {
	return &watchFeed{nc: nc, subject: batchSubject(node), hub: hub, published: published, logger: logger}
}

// watchStalls runs checkStall every feedStallCheck until ctx ends.
func (f *watchFeed) watchStalls(ctx context.Context) {
	every(ctx, feedStallCheck, f.checkStall)
}

// checkStall makes the watches refill when a batch published a whole check
// interval ago still has not arrived: it was lost, and no later batch came
// to reveal the hole.
func (f *watchFeed) checkStall() {
	f.mu.Lock()
	defer f.mu.Unlock()
	want := f.published()
	if f.sub == nil || want <= f.last {
		f.behind = 0 // caught up, or not following
		return
	}
	if f.behind == 0 || f.last >= f.behind {
		f.behind = want // behind now, or progressing: look again next time
		return
	}
	f.gaps.Add(1)
	f.logger.Info("a batch published on nats never arrived; watches refill from the history",
		"received", f.last, "published", f.behind)
	f.last, f.behind = want, 0
	f.hub.Interrupt()
}

// demand implements the hub's demand hook: it returns once batches flow
// to the hub (the server has the subscription), or stops them a while
// after the last watch.
func (f *watchFeed) demand(active bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !active {
		if f.sub != nil && f.idle == nil {
			f.idle = time.AfterFunc(feedIdleDelay, f.stopIfIdle)
		}
		return nil
	}
	if f.idle != nil {
		f.idle.Stop()
		f.idle = nil
	}
	if f.sub != nil && f.sub.IsValid() {
		return nil
	}
	sub, err := f.nc.Subscribe(f.subject, f.receive)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", f.subject, err)
	}
	// Batches are large and bursty; a full pending buffer drops them, which
	// the chain check turns into a refill.
	_ = sub.SetPendingLimits(64*1024, 256<<20)
	if err := f.nc.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return fmt.Errorf("subscribe to %s: %w", f.subject, err)
	}
	// The chain starts at what the node has published by now: a later
	// batch names it as its predecessor (or, published meanwhile, shows as
	// a hole, which only costs a refill).
	f.sub, f.last, f.behind = sub, f.published(), 0
	return nil
}

// stopIfIdle unsubscribes when no watch came back during the delay.
func (f *watchFeed) stopIfIdle() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.idle = nil
	if f.sub != nil && f.hub.Watchers() == 0 {
		_ = f.sub.Unsubscribe()
		f.sub = nil
	}
}

// receive passes one batch to the hub, or, after a hole in the chain,
// makes every watch refill from the history.
func (f *watchFeed) receive(m *nats.Msg) {
	var b pb.EventBatch
	if err := proto.Unmarshal(m.Data, &b); err != nil {
		f.logger.Error("undecodable batch on nats; watches refill from the history", "err", err)
		f.hub.Interrupt()
		return
	}
	f.mu.Lock()
	last := f.last
	f.last = b.Applied
	f.mu.Unlock()
	if last != 0 && b.PrevApplied != last {
		f.gaps.Add(1)
		f.logger.Info("missed batches on nats; watches refill from the history",
			"expected_after", last, "batch_after", b.PrevApplied)
		f.hub.Interrupt()
		return
	}
	f.hub.Publish(b.Events, b.Applied)
}

// Gaps reports how many holes the feed found.
func (f *watchFeed) Gaps() uint64 { return f.gaps.Load() }

// resetOnly passes the FSM's Reset (a snapshot replaced the state) to the
// hub, whose batches come through the feed instead.
type resetOnly struct{ hub *apiserver.Hub }

func (r resetOnly) Publish([]*pb.Event, uint64) {}
func (r resetOnly) Reset(applied uint64)        { r.hub.Reset(applied) }

package node

import (
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
	// last is the applied index of the last batch received; 0 right after
	// subscribing, when any batch starts the chain.
	last uint64

	gaps atomic.Uint64
}

func newWatchFeed(nc *nats.Conn, node string, hub *apiserver.Hub, logger *slog.Logger) *watchFeed {
	return &watchFeed{nc: nc, subject: batchSubject(node), hub: hub, logger: logger}
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
	f.sub, f.last = sub, 0
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

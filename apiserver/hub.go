package apiserver

import (
	"sync"

	pb "github.com/drover/drover/proto/droverpb"
)

// DefaultWatchBuffer is how many committed batches a watch may fall behind
// before it is cut loose and refills from the history bucket instead.
const DefaultWatchBuffer = 1024

// Hub fans the events each committed transaction wrote out to this node's
// watches. It implements raftstore.Publisher and never blocks the FSM: a
// watch that cannot keep up loses its subscription, which it notices, and
// catches up from the history instead, so nothing is lost or repeated.
type Hub struct {
	buffer int
	// demand, when set, is told before a watch reads anything that live
	// batches must flow (true), and when no watch is left (false); an error
	// fails the watch. It lets a feed (node's NATS subscription) run only
	// while watches exist.
	demand func(active bool) error

	mu      sync.Mutex
	subs    map[*subscription]struct{}
	refills uint64
}

// NewHub returns an empty Hub whose watches may lag buffer batches (0:
// DefaultWatchBuffer).
func NewHub(buffer int) *Hub {
	if buffer <= 0 {
		buffer = DefaultWatchBuffer
	}
	return &Hub{buffer: buffer, subs: make(map[*subscription]struct{})}
}

// batch is what one committed transaction published: its events, in
// revision order, the applied index after it, and the events' shared wire
// forms (wire.go).
type batch struct {
	events  []*pb.Event
	applied uint64
	wire    []eventWire
}

// subscription receives every batch published after it was made, until
// lost is closed.
type subscription struct {
	ch       chan *batch
	lost     chan struct{}
	lostOnce sync.Once
}

func (s *subscription) markLost() { s.lostOnce.Do(func() { close(s.lost) }) }

// Publish hands a committed batch to every subscription.
func (h *Hub) Publish(events []*pb.Event, applied uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) == 0 {
		return
	}
	b := &batch{events: events, applied: applied, wire: make([]eventWire, len(events))}
	for sub := range h.subs {
		select {
		case sub.ch <- b:
		default:
			sub.markLost()
			delete(h.subs, sub)
			h.refills++
		}
	}
}

// Interrupt makes every watch refill from the history: its feed missed
// batches. Unlike Reset it counts as a refill.
func (h *Hub) Interrupt() { h.dropAll(true) }

// dropAll cuts every subscription loose; each watch refills from the
// history. asRefills counts them as refills.
func (h *Hub) dropAll(asRefills bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs {
		sub.markLost()
		delete(h.subs, sub)
		if asRefills {
			h.refills++
		}
	}
}

// Reset tells every subscription that the state was replaced (a snapshot
// was installed): each watch refills from the history.
func (h *Hub) Reset(uint64) { h.dropAll(false) }

// SetDemand installs the demand hook; call it before the hub is used.
func (h *Hub) SetDemand(demand func(active bool) error) { h.demand = demand }

// subscribe returns a subscription that receives every batch published
// from now on; with a demand hook, "now" is once the feed runs.
func (h *Hub) subscribe() (*subscription, error) {
	sub := &subscription{ch: make(chan *batch, h.buffer), lost: make(chan struct{})}
	h.mu.Lock()
	h.subs[sub] = struct{}{}
	h.mu.Unlock()
	if h.demand != nil {
		if err := h.demand(true); err != nil {
			h.unsubscribe(sub)
			return nil, err
		}
	}
	return sub, nil
}

func (h *Hub) unsubscribe(sub *subscription) {
	h.mu.Lock()
	delete(h.subs, sub)
	h.mu.Unlock()
	h.checkIdle()
}

// checkIdle tells the demand hook when no subscription is left.
func (h *Hub) checkIdle() {
	if h.demand == nil || h.Watchers() > 0 {
		return
	}
	_ = h.demand(false)
}

// Watchers reports how many subscriptions are open.
func (h *Hub) Watchers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Refills reports how many times a watch fell behind and refilled from the
// history.
func (h *Hub) Refills() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.refills
}

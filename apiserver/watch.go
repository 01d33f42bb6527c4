package apiserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"

	"github.com/drover/drover/apiserver/selector"
	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// historyPage is how many history events a catching-up watch reads per
// transaction.
const historyPage = 1000

// minBookmarkInterval keeps a client from asking for a bookmark storm.
const minBookmarkInterval = 100 * time.Millisecond

// Watch streams every matching event after req.resource_version, exactly
// once and in revision order, from this node's own applied state.
func (s *Server) Watch(req *pb.WatchRequest, stream pb.Objects_WatchServer) error {
	return s.watch(req, stream, eventStream{stream})
}

// WatchBatches is Watch sending the events that reach the watch together
// as one WatchEvents message (watch_send.go).
func (s *Server) WatchBatches(req *pb.WatchRequest, stream pb.Objects_WatchBatchesServer) error {
	return s.watch(req, stream, &batchStream{stream: stream})
}

func (s *Server) watch(req *pb.WatchRequest, stream grpc.ServerStream, out eventSender) error {
	w, err := s.newWatcher(req, out)
	if err != nil {
		return toStatus(err)
	}
	return toStatus(w.run(stream.Context()))
}

// watcher is one Watch stream. cursor is the revision up to which every
// matching event has been sent.
type watcher struct {
	s    *Server
	req  *pb.WatchRequest
	out  eventSender
	kind string
	// namespace restricts the watch; "" for all, and always for
	// cluster-scoped kinds, as in List.
	namespace string
	filter    func(*pb.Object) bool
	cursor    uint64
}

func (s *Server) newWatcher(req *pb.WatchRequest, out eventSender) (*watcher, error) {
	info, err := pb.ResolveKind(req.GetKind())
	if err != nil {
		return nil, err
	}
	filter, err := selector.Compile(info.Kind, req.GetLabelSelector(), req.GetFieldSelector())
	if err != nil {
		return nil, err
	}
	ns := req.GetNamespace()
	if !info.Namespaced {
		ns = ""
	}
	return &watcher{s: s, req: req, out: out, kind: info.Kind, namespace: ns, filter: filter}, nil
}

func (w *watcher) run(ctx context.Context) error {
	// Subscribe before reading anything, so that live batches and the
	// history overlap and nothing falls between them.
	sub, err := w.s.cfg.Hub.subscribe()
	if err != nil {
		return toStatus(fmt.Errorf("%w: event feed: %v", errUnavailable, err))
	}
	if err := w.start(ctx); err != nil {
		w.s.cfg.Hub.unsubscribe(sub)
		return err
	}
	err = w.follow(ctx, sub)
	if errors.Is(err, context.Canceled) {
		return nil // the client went away
	}
	return err
}

// follow alternates between catching up from the history and relaying live
// batches until the stream ends.
func (w *watcher) follow(ctx context.Context, sub *subscription) error {
	hub := w.s.cfg.Hub
	defer func() {
		if sub != nil {
			hub.unsubscribe(sub)
		}
	}()
	var tick <-chan time.Time
	if iv := time.Duration(w.req.GetBookmarkIntervalMs()) * time.Millisecond; iv > 0 {
		t := time.NewTicker(max(iv, minBookmarkInterval))
		defer t.Stop()
		tick = t.C
	}
	for {
		if err := w.catchUp(); err != nil {
			return err
		}
		if err := w.live(ctx, sub, tick); err != nil {
			return err
		}
		// The subscription was lost: subscribe again before reading the
		// history, so that the two overlap and nothing falls between.
		hub.unsubscribe(sub)
		var err error
		if sub, err = hub.subscribe(); err != nil {
			return toStatus(fmt.Errorf("%w: event feed: %v", errUnavailable, err))
		}
	}
}

// start sets the cursor: the requested revision (waiting until this node
// has applied it), or now, or the revision of an initial listing.
func (w *watcher) start(ctx context.Context) error {
	rv := w.req.GetResourceVersion()
	if rv > 0 {
		if err := w.s.cfg.State.WaitApplied(ctx, rv); err != nil {
			return err
		}
	}
	if w.req.GetSendInitialEvents() {
		return w.sendInitial()
	}
	w.cursor = rv
	if rv == 0 {
		w.cursor = w.s.cfg.State.AppliedIndex()
	}
	return nil
}

// sendInitial lists every matching object at one revision and sends each as
// ADDED; the watch continues after that revision.
func (w *watcher) sendInitial() error {
	opts := raftstore.ListOptions{Kind: w.kind, Namespace: w.namespace, Limit: historyPage, Filter: w.filter}
	out := heldEvent{w: w}
	for {
		res, err := w.s.cfg.State.List(opts)
		if err != nil {
			return err
		}
		for _, obj := range res.Items {
			if err := out.push(outEvent{typ: pb.EventType_ADDED, obj: obj, rev: res.Revision}); err != nil {
				return err
			}
		}
		w.cursor = res.Revision
		if res.NextKey == "" {
			return out.flush()
		}
		opts.Revision, opts.After = res.Revision, res.NextKey
	}
}

// catchUp sends what the history holds after the cursor, up to the applied
// index it read.
func (w *watcher) catchUp() error {
	for {
		events, applied, err := w.s.cfg.State.Events(w.cursor, historyPage)
		if err != nil {
			return err
		}
		if err := w.sendEvents(events, nil); err != nil {
			return err
		}
		if len(events) < historyPage {
			w.cursor = max(w.cursor, applied)
			return nil
		}
	}
}

// live relays published batches until the subscription is lost (nil error)
// or the stream ends.
func (w *watcher) live(ctx context.Context, sub *subscription, tick <-chan time.Time) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case b := <-sub.ch:
			if err := w.sendEvents(b.events, b.wire); err != nil {
				return err
			}
			w.cursor = max(w.cursor, b.applied)
		case <-sub.lost:
			return nil
		case <-tick:
			if err := w.out.add(outEvent{typ: pb.EventType_BOOKMARK, rev: w.cursor}, false); err != nil {
				return err
			}
			if err := w.out.flush(); err != nil {
				return err
			}
		}
	}
}

// sendEvents sends the events after the cursor that match, then moves the
// cursor to the last revision. A history page or a published batch never
// splits the events of one revision, so comparing against the cursor at the
// start is exact, and the last event sent is the last of its revision.
// wire, when given, holds the events' shared encodings.
func (w *watcher) sendEvents(events []*pb.Event, wire []eventWire) error {
	from := w.cursor
	out := heldEvent{w: w}
	for i, ev := range events {
		if ev.Revision <= from {
			continue
		}
		typ, obj, ok := w.match(ev)
		if !ok {
			continue
		}
		e := outEvent{typ: typ, obj: obj, rev: ev.Revision}
		if wire != nil {
			e.wire = &wire[i]
		}
		if err := out.push(e); err != nil {
			return err
		}
	}
	if err := out.flush(); err != nil {
		return err
	}
	if n := len(events); n > 0 {
		w.cursor = max(w.cursor, events[n-1].Revision)
	}
	return nil
}

// outEvent is one event as this watch sends it.
type outEvent struct {
	typ pb.EventType
	obj *pb.Object
	rev uint64
	// wire, when set, holds the event's shared encodings (wire.go).
	wire *eventWire
}

// heldEvent holds back the last matching event until the next one shows
// whether more of its revision follow on this stream (more_at_revision).
// The caller flushes it once its revision is known to be complete.
type heldEvent struct {
	w    *watcher
	ev   outEvent
	held bool
}

// push sends the held event, flagged by whether e shares its revision, and
// holds e.
func (h *heldEvent) push(e outEvent) error {
	if h.held {
		if err := h.w.out.add(h.ev, h.ev.rev == e.rev); err != nil {
			return err
		}
	}
	h.ev, h.held = e, true
	return nil
}

// flush sends the held event, if any, as the last of its revision, and
// then whatever the sender queued.
func (h *heldEvent) flush() error {
	if h.held {
		h.held = false
		if err := h.w.out.add(h.ev, false); err != nil {
			return err
		}
	}
	return h.w.out.flush()
}

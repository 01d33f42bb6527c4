package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/drover/drover/proto/droverpb"
)

// The informer: a local copy of one kind of object that follows the
// cluster, like client-go's reflector, store and shared informer in one.
// It lists (page by page, at one revision), then watches from that
// revision. Events are applied a whole revision at a time (one Raft entry
// may change several objects; more_at_revision marks all but the last of
// them), and a broken stream is resumed from the last whole revision, on
// any endpoint; a watch whose revision was compacted away relists, and the
// handlers see the difference between the old copy and the new list. The
// server delivers every event after a revision exactly once and in order,
// so the copy is exact at the revision the informer reports.

// Handlers are called one at a time, in revision order, from Run's
// goroutine. A handler that blocks holds the informer back (the server
// buffers, then refills from its history).
type Handlers struct {
	// OnAdd is called for an object that appeared.
	OnAdd func(obj *pb.Object)
	// OnUpdate is called for a changed object, and for every object at each
	// resync (then old and new are the same object).
	OnUpdate func(old, new *pb.Object)
	// OnDelete is called with the last state of an object that went away
	// (or stopped matching the selectors).
	OnDelete func(obj *pb.Object)
}

// InformerConfig says what an informer follows.
type InformerConfig struct {
	Kind string
	// Namespace restricts the informer to one namespace; empty follows all.
	Namespace     string
	LabelSelector string
	FieldSelector string
	// ResyncPeriod > 0 calls OnUpdate for every object at that interval.
	ResyncPeriod time.Duration
	// PageSize is the list page size (0: 500).
	PageSize int64
	// WatchFrom, when set, skips the first list: the informer watches the
	// changes after this revision with an empty copy (HasSynced is true at
	// once), and lists only if the revision is compacted. For callers that
	// listed themselves, or want changes only.
	WatchFrom uint64
	Handlers  Handlers
	// Logger receives relists and stream errors (nil: slog.Default()).
	Logger *slog.Logger
}

// Informer keeps a local copy of the objects InformerConfig selects.
type Informer struct {
	c     *Client
	cfg   InformerConfig
	log   *slog.Logger
	store *Store

	synced atomic.Bool
	// syncedCh is closed at the first complete list.
	syncedCh   chan struct{}
	syncedOnce sync.Once
	// relists counts lists after the first (compaction, errors).
	relists atomic.Int64
}

// NewInformer returns an informer; Run starts it.
func NewInformer(c *Client, cfg InformerConfig) *Informer {
	if cfg.PageSize <= 0 {
		cfg.PageSize = 500
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Informer{c: c, cfg: cfg, log: log.With("informer", cfg.Kind), store: newStore(),
		syncedCh: make(chan struct{})}
}

// Store is the informer's copy; read it freely from any goroutine.
func (i *Informer) Store() *Store { return i.store }

// HasSynced reports whether the first list has been loaded.
func (i *Informer) HasSynced() bool { return i.synced.Load() }

// WaitForSync waits for the first list; false if ctx ended first.
func (i *Informer) WaitForSync(ctx context.Context) bool {
	select {
	case <-i.syncedCh:
		return true
	case <-ctx.Done():
		return false
	}
}

// Relists returns how many times the informer listed again after its
// first list (after a compacted watch, or a failed list).
func (i *Informer) Relists() int64 { return i.relists.Load() }

// informerBackoff paces retries after errors.
const (
	informerBackoffMin = 50 * time.Millisecond
	informerBackoffMax = 2 * time.Second
)

// Run follows the cluster until ctx ends, and returns ctx's error; or
// until the server rejects the request itself (an unknown kind, a bad
// selector), and returns that error.
func (i *Informer) Run(ctx context.Context) error {
	backoff := informerBackoffMin
	first := true
	rv := i.cfg.WatchFrom
	for ctx.Err() == nil {
		if rv == 0 {
			if !first {
				i.relists.Add(1)
			}
			var err error
			if rv, err = i.list(ctx); err != nil {
				if rejected(err) {
					return err
				}
				i.log.Warn("list failed; retrying", "err", err, "in", backoff)
				if !sleepFor(ctx, backoff) {
					break
				}
				backoff = min(2*backoff, informerBackoffMax)
				continue
			}
		}
		first, backoff = false, informerBackoffMin
		i.markSynced()
		err := i.follow(ctx, rv)
		if rejected(err) {
			return err
		}
		if err != nil && ctx.Err() == nil {
			i.log.Info("relisting", "reason", err)
		}
		rv = 0
	}
	return ctx.Err()
}

// rejected reports an error that retrying the same request cannot cure.
func rejected(err error) bool {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.NotFound, codes.Unimplemented, codes.PermissionDenied, codes.Unauthenticated:
		return true
	}
	return false
}

func (i *Informer) markSynced() {
	i.synced.Store(true)
	i.syncedOnce.Do(func() { close(i.syncedCh) })
}

// list reads every selected object at one revision and replaces the copy
// with it, calling the handlers for the differences.
func (i *Informer) list(ctx context.Context) (uint64, error) {
	items := map[string]*pb.Object{}
	req := &pb.ListRequest{Kind: i.cfg.Kind, Namespace: i.cfg.Namespace, LabelSelector: i.cfg.LabelSelector,
		FieldSelector: i.cfg.FieldSelector, Limit: i.cfg.PageSize}
	var rv uint64
	for {
		res, err := i.c.List(ctx, req)
		if err != nil {
			return 0, err
		}
		rv = res.ResourceVersion
		for _, o := range res.Items {
			items[storeKey(o)] = o
		}
		if res.ContinueToken == "" {
			break
		}
		req.ContinueToken = res.ContinueToken
	}
	added, updated, deleted := i.store.replace(items, rv)
	h := i.cfg.Handlers
	for _, o := range added {
		call1(h.OnAdd, o)
	}
	for _, u := range updated {
		call2(h.OnUpdate, u[0], u[1])
	}
	for _, o := range deleted {
		call1(h.OnDelete, o)
	}
	return rv, nil
}

// errCompacted ends follow when the informer must list again.
var errCompacted = errors.New("watch revision compacted")

// follow watches from rv, resuming broken streams from the last whole
// revision applied, until ctx ends or the revision is compacted.
func (i *Informer) follow(ctx context.Context, rv uint64) error {
	backoff := informerBackoffMin
	for ctx.Err() == nil {
		next, err := i.watchOnce(ctx, rv)
		if next > rv {
			rv, backoff = next, informerBackoffMin
		}
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case rejected(err):
			return err
		case status.Code(err) == codes.OutOfRange:
			return fmt.Errorf("%w: %v", errCompacted, err)
		case err != nil && !errors.Is(err, io.EOF):
			i.log.Info("watch broke; resuming", "revision", rv, "err", err)
		}
		if !sleepFor(ctx, backoff) {
			return ctx.Err()
		}
		backoff = min(2*backoff, informerBackoffMax)
	}
	return ctx.Err()
}

// watchOnce runs one watch stream from rv and returns the last revision
// it applied whole.
func (i *Informer) watchOnce(ctx context.Context, rv uint64) (uint64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := i.c.Watch(ctx, &pb.WatchRequest{Kind: i.cfg.Kind, Namespace: i.cfg.Namespace,
		LabelSelector: i.cfg.LabelSelector, FieldSelector: i.cfg.FieldSelector, ResourceVersion: rv,
		BookmarkIntervalMs: 5000})
	if err != nil {
		return rv, err
	}
	events := make(chan watchResult, 64)
	go func() {
		defer close(events)
		for {
			ev, err := stream.Recv()
			select {
			case events <- watchResult{ev, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	var batch revisionBatch
	var resync <-chan time.Time
	if i.cfg.ResyncPeriod > 0 {
		t := time.NewTicker(i.cfg.ResyncPeriod)
		defer t.Stop()
		resync = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return rv, ctx.Err()
		case <-resync:
			for _, o := range i.store.List() {
				call2(i.cfg.Handlers.OnUpdate, o, o)
			}
		case r, ok := <-events:
			if !ok {
				return rv, io.EOF
			}
			if r.err != nil {
				return rv, r.err // a partly received revision is dropped
			}
			if rev, done := batch.add(r.ev); done {
				for _, ev := range batch.take() {
					i.apply(ev)
				}
				rv = max(rv, rev)
			}
		}
	}
}

// revisionBatch gathers the events of one revision: the server sends each
// as its own message, flagging all but the last with more_at_revision, so
// a revision is applied only once it is complete and a stream that breaks
// in the middle of one resumes from the revision before it.
type revisionBatch struct {
	events []*pb.WatchEvent
}

// add gathers ev; it reports the revision and true when that revision is
// complete and its events are ready to take.
func (b *revisionBatch) add(ev *pb.WatchEvent) (uint64, bool) {
	b.events = append(b.events, ev)
	return ev.GetRevision(), !ev.GetMoreAtRevision() || ev.GetType() == pb.EventType_BOOKMARK
}

// take returns the gathered events and empties the batch.
func (b *revisionBatch) take() []*pb.WatchEvent {
	evs := b.events
	b.events = nil
	return evs
}

type watchResult struct {
	ev  *pb.WatchEvent
	err error
}

// apply folds one event into the copy and calls its handler.
func (i *Informer) apply(ev *pb.WatchEvent) {
	h, o := i.cfg.Handlers, ev.GetObject()
	switch ev.GetType() {
	case pb.EventType_ADDED, pb.EventType_MODIFIED:
		if old := i.store.put(o, ev.GetRevision()); old != nil {
			call2(h.OnUpdate, old, o)
		} else {
			call1(h.OnAdd, o)
		}
	case pb.EventType_DELETED:
		if old := i.store.remove(o, ev.GetRevision()); old != nil {
			call1(h.OnDelete, o)
		}
	default: // BOOKMARK: progress only
		i.store.advance(ev.GetRevision())
	}
}

func call1(f func(*pb.Object), o *pb.Object) {
	if f != nil {
		f(o)
	}
}

func call2(f func(old, new *pb.Object), old, o *pb.Object) {
	if f != nil {
		f(old, o)
	}
}

// sleepFor sleeps for d unless ctx ends first (false).
func sleepFor(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

package main

import (
	"context"
	"errors"
	"io"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// Watch tuning.
const (
	bookmarkInterval = 10 * time.Second
	maxResumeBackoff = 5 * time.Second
)

// watcher prints the changes of one kind until its context ends, resuming
// a broken stream from the last revision seen and relisting when that
// revision has been compacted away.
type watcher struct {
	opts          *getOpts
	cl            *client.Client
	kind          *pb.KindInfo
	printer       *printer
	fieldSelector string
}

// run watches from rev (0 with --watch-only: the revision given by
// --resource-version, else the current one). ctrl-C ends it cleanly.
func (w *watcher) run(ctx context.Context, rev uint64) error {
	rev, err := w.startRevision(ctx, rev)
	if err != nil {
		return err
	}
	backoff := 100 * time.Millisecond
	for {
		var seen bool
		rev, seen, err = w.stream(ctx, rev)
		if ctx.Err() != nil {
			return nil
		}
		if seen {
			backoff = 100 * time.Millisecond
		}
		if rev, err = w.recover(ctx, rev, err); err != nil {
			return err
		}
		if !sleepCtx(ctx, backoff) {
			return nil
		}
		backoff = min(backoff*2, maxResumeBackoff)
	}
}

// startRevision picks the revision a watch starts after.
func (w *watcher) startRevision(ctx context.Context, rev uint64) (uint64, error) {
	if rev != 0 || !w.opts.watchOnly {
		return rev, nil
	}
	if w.opts.resourceVersion != 0 {
		return w.opts.resourceVersion, nil
	}
	return w.opts.currentRevision(ctx, w.cl, w.kind, w.fieldSelector)
}

// stream runs one watch stream until it breaks, returning the last
// revision seen and whether any event arrived.
func (w *watcher) stream(ctx context.Context, rev uint64) (uint64, bool, error) {
	s, err := w.cl.Watch(ctx, w.request(rev))
	if err != nil {
		return rev, false, err
	}
	seen := false
	for {
		ev, err := s.Recv()
		if err != nil {
			return rev, seen, err
		}
		seen = true
		rev = max(rev, ev.Revision)
		if ev.Type == pb.EventType_BOOKMARK || ev.Object == nil {
			continue
		}
		if err := w.printer.printEvent(ev.Object); err != nil {
			return rev, seen, err
		}
	}
}

// request builds the watch request with the get filters.
func (w *watcher) request(rev uint64) *pb.WatchRequest {
	o := w.opts
	return &pb.WatchRequest{
		Kind: w.kind.Kind, Namespace: o.effective(w.kind.Namespaced),
		LabelSelector: o.labelSelector, FieldSelector: w.fieldSelector,
		ResourceVersion: rev, BookmarkIntervalMs: bookmarkInterval.Milliseconds(),
	}
}

// recover decides what a broken stream means: resume (transient errors),
// relist (compacted revision) or stop (a request the server rejects).
func (w *watcher) recover(ctx context.Context, rev uint64, err error) (uint64, error) {
	switch code := status.Code(err); {
	case errors.Is(err, io.EOF):
		return rev, nil
	case code == codes.OutOfRange:
		return w.relist(ctx)
	case code == codes.InvalidArgument, code == codes.NotFound, code == codes.Unimplemented,
		code == codes.PermissionDenied, code == codes.Unauthenticated:
		return rev, err
	}
	return rev, nil
}

// relist lists again, prints the objects and returns the list's revision.
func (w *watcher) relist(ctx context.Context) (uint64, error) {
	objs, rev, err := w.opts.listAll(ctx, w.cl, w.kind, w.fieldSelector)
	if err != nil {
		return 0, err
	}
	for _, o := range objs {
		if err := w.printer.printEvent(o); err != nil {
			return 0, err
		}
	}
	return rev, nil
}

// sleepCtx waits d unless ctx ends first; it reports whether it slept.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

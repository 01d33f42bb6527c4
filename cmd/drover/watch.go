package main

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// watcher prints the changes of one kind until its context ends, through
// a client.Informer: a broken stream resumes from the last revision seen
// on any endpoint, and a compacted revision relists (printing what
// changed meanwhile).
type watcher struct {
	opts          *getOpts
	cl            *client.Client
	kind          *pb.KindInfo
	printer       *printer
	fieldSelector string
}

// run watches the changes after rev (0 with --watch-only: the revision
// given by --resource-version, else the current one). ctrl-C ends it
// cleanly; a request the server rejects ends it with the error.
func (w *watcher) run(ctx context.Context, rev uint64) error {
	rev, err := w.startRevision(ctx, rev)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var printErr error
	show := func(o *pb.Object) {
		if printErr == nil {
			if printErr = w.printer.printEvent(o); printErr != nil {
				cancel()
			}
		}
	}
	o := w.opts
	inf := client.NewInformer(w.cl, client.InformerConfig{
		Kind: w.kind.Kind, Namespace: o.effective(w.kind.Namespaced),
		LabelSelector: o.labelSelector, FieldSelector: w.fieldSelector, WatchFrom: rev,
		Handlers: client.Handlers{OnAdd: show, OnUpdate: func(_, n *pb.Object) { show(n) }, OnDelete: show},
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	err = inf.Run(ctx)
	switch {
	case printErr != nil:
		return printErr
	case errors.Is(err, context.Canceled):
		return nil
	}
	return err
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

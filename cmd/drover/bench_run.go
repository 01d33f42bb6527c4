package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	pb "github.com/drover/drover/proto/droverpb"
)

// setup creates one object per worker for update and get runs.
func (b *bench) setup(ctx context.Context) error {
	if b.opts.op == "create" {
		return nil
	}
	errs := make([]error, b.opts.concurrency)
	var wg sync.WaitGroup
	for w := range b.opts.concurrency {
		wg.Go(func() {
			ctx, cancel := b.opts.callCtx(ctx)
			defer cancel()
			out, err := b.client(w).Create(ctx, b.template(b.name(w)))
			if err != nil {
				errs[w] = fmt.Errorf("bench setup: create %s: %w", b.name(w), err)
				return
			}
			b.rvs[w] = out.Metadata.ResourceVersion
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// measure runs the workers over a shared channel of operation numbers and
// summarizes their latencies.
func (b *bench) measure(ctx context.Context) benchResult {
	work := make(chan int, 2*b.opts.concurrency)
	go feed(ctx, work, b.opts.count)
	lats := make([][]time.Duration, b.opts.concurrency)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range b.opts.concurrency {
		wg.Go(func() { lats[w] = b.worker(ctx, w, work) })
	}
	wg.Wait()
	return summarize(b.opts, lats, b.errors.Load(), time.Since(start))
}

// feed sends operation numbers 0..count-1, stopping early if ctx ends.
func feed(ctx context.Context, work chan<- int, count int) {
	defer close(work)
	for i := range count {
		select {
		case work <- i:
		case <-ctx.Done():
			return
		}
	}
}

// worker runs operations until the channel closes and returns the
// latencies of those that succeeded.
func (b *bench) worker(ctx context.Context, w int, work <-chan int) []time.Duration {
	lats := make([]time.Duration, 0, b.opts.count/b.opts.concurrency+1)
	op := b.opFunc(w)
	for i := range work {
		t0 := time.Now()
		err := op(ctx, i)
		if err != nil {
			b.noteError(err)
			continue
		}
		lats = append(lats, time.Since(t0))
	}
	return lats
}

// benchOp performs operation number i.
type benchOp func(ctx context.Context, i int) error

// opFunc returns worker w's operation, with its reusable request.
func (b *bench) opFunc(w int) benchOp {
	switch b.opts.op {
	case "update":
		return b.updateOp(w)
	case "get":
		return b.getOp(w)
	}
	return b.createOp(w)
}

// createOp creates a new object per operation.
func (b *bench) createOp(w int) benchOp {
	obj, cl := b.template(""), b.client(w)
	return func(ctx context.Context, i int) error {
		ctx, cancel := b.opts.callCtx(ctx)
		defer cancel()
		obj.Metadata.Name = b.name(i)
		_, err := cl.Create(ctx, obj)
		return err
	}
}

// updateOp updates the worker's own object with the resourceVersion of its
// last response as precondition (compare-and-swap).
func (b *bench) updateOp(w int) benchOp {
	obj := b.template(b.name(w))
	return func(ctx context.Context, i int) error {
		cctx, cancel := b.opts.callCtx(ctx)
		defer cancel()
		stamp(obj.Body, i)
		obj.Metadata.ResourceVersion = b.rvs[w]
		out, err := b.client(w).Update(cctx, obj)
		if err != nil {
			b.refresh(ctx, w)
			return err
		}
		b.rvs[w] = out.Metadata.ResourceVersion
		return nil
	}
}

// refresh re-reads a worker's object after a failed update so that the
// next one has a current precondition.
func (b *bench) refresh(ctx context.Context, w int) {
	ctx, cancel := b.opts.callCtx(ctx)
	defer cancel()
	out, err := b.client(w).Get(ctx, &pb.GetRequest{Kind: "ConfigMap", Namespace: b.opts.namespace, Name: b.name(w)})
	if err == nil {
		b.rvs[w] = out.Metadata.ResourceVersion
	}
}

// stamp writes i into the first bytes of the body's value so that every
// update changes the object.
func stamp(body []byte, i int) {
	v := body[len(bodyPrefix) : len(body)-3]
	for j := 0; j < len(v) && j < 8; j++ {
		v[j] = 'a' + byte(i>>(4*j)&15)
	}
}

// getOp reads the setup objects round robin with linearizable gets.
func (b *bench) getOp(w int) benchOp {
	reqs := make([]*pb.GetRequest, b.opts.concurrency)
	for j := range reqs {
		reqs[j] = &pb.GetRequest{Kind: "ConfigMap", Namespace: b.opts.namespace, Name: b.name(j)}
	}
	cl := b.client(w)
	return func(ctx context.Context, i int) error {
		ctx, cancel := b.opts.callCtx(ctx)
		defer cancel()
		_, err := cl.Get(ctx, reqs[i%len(reqs)])
		return err
	}
}

// cleanupObjects deletes every object the run may have created.
func (b *bench) cleanupObjects(ctx context.Context) {
	n := b.opts.concurrency
	if b.opts.op == "create" {
		n = b.opts.count
	}
	work := make(chan int, 2*b.opts.concurrency)
	go feed(ctx, work, n)
	var wg sync.WaitGroup
	for w := range b.opts.concurrency {
		wg.Go(func() {
			for i := range work {
				ctx, cancel := b.opts.callCtx(ctx)
				_, _ = b.client(w).Delete(ctx, &pb.DeleteRequest{Kind: "ConfigMap", Namespace: b.opts.namespace, Name: b.name(i)})
				cancel()
			}
		})
	}
	wg.Wait()
}

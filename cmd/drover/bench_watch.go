package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// `drover bench --op watch`: --watchers watches, spread evenly over every
// --server endpoint and over --connections connections of their own
// (rounded up to a multiple of the endpoints; the reference etcd figure used
// 10 watch clients), follow the bench namespace's ConfigMaps while one
// writer creates --count objects at --rate per second (up to 64 in
// flight). The
// latency of an event is the time from the write's acknowledgement to
// its receipt by a watcher (0 when the event came first), over every
// watcher and event. Errors count failed writes and events missing,
// repeated or out of order at a watcher.

// writerInFlight bounds the writer's concurrent creates.
const writerInFlight = 64

// watchDrainTimeout bounds the wait for the last events after the writes.
const watchDrainTimeout = 30 * time.Second

// watchBench is one watch run.
type watchBench struct {
	*bench
	acks    []atomic.Int64 // ack time of write i (Unix ns), 0 until acked
	recv    [][]int64      // per watcher, receipt time of event i
	dups    atomic.Int64
	misses  atomic.Int64
	pending sync.WaitGroup
}

// runWatch measures delivery latency; it replaces setup and measure.
func (b *bench) runWatch(ctx context.Context) (benchResult, error) {
	wb := &watchBench{bench: b, acks: make([]atomic.Int64, b.opts.count), recv: make([][]int64, b.opts.watchers)}
	rv, err := wb.currentRevision(ctx)
	if err != nil {
		return benchResult{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := wb.startWatchers(ctx, rv); err != nil {
		return benchResult{}, err
	}
	start := time.Now()
	wb.write(ctx)
	wb.drain()
	elapsed := time.Since(start)
	cancel()
	return wb.result(elapsed), nil
}

// currentRevision is where the watchers start, so that none misses an
// event of the run.
func (wb *watchBench) currentRevision(ctx context.Context) (uint64, error) {
	ctx, cancel := wb.opts.callCtx(ctx)
	defer cancel()
	res, err := wb.client(0).List(ctx, &pb.ListRequest{Kind: "ConfigMap", Namespace: wb.opts.namespace, Limit: 1})
	if err != nil {
		return 0, fmt.Errorf("bench: %w", err)
	}
	return res.ResourceVersion, nil
}

// startWatchers opens the watches, one endpoint after the other, and
// returns once all are open.
func (wb *watchBench) startWatchers(ctx context.Context, rv uint64) error {
	eps := client.ParseEndpoints(wb.opts.server)
	// A multiple of the endpoints, so that watcher w follows endpoint
	// w mod len(eps) and the watchers spread evenly.
	n := (max(wb.opts.connections, 1) + len(eps) - 1) / len(eps) * len(eps)
	conns := make([]*client.Client, n)
	for i := range conns {
		cl, err := client.NewWithDialOptions([]string{eps[i%len(eps)]}, wb.watchDialOptions()...)
		if err != nil {
			return err
		}
		conns[i] = cl
		go func() { <-ctx.Done(); cl.Close() }()
	}
	prefix := wb.name(0)
	prefix = prefix[:strings.LastIndexByte(prefix, '-')+1]
	for w := range wb.opts.watchers {
		wb.recv[w] = make([]int64, wb.opts.count)
		stream, err := conns[w%len(conns)].Watch(ctx, &pb.WatchRequest{Kind: "ConfigMap", Namespace: wb.opts.namespace,
			ResourceVersion: rv})
		if err != nil {
			return fmt.Errorf("bench: watch %d: %w", w, err)
		}
		wb.pending.Add(1)
		go wb.watch(stream, w, prefix)
	}
	return nil
}

// watchDialOptions are the watch connections' options: the lean codec
// unless --watch-decode full.
func (wb *watchBench) watchDialOptions() []grpc.DialOption {
	if wb.opts.watchDecode == "full" {
		return nil
	}
	return []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.ForceCodecV2(newLeanWatchCodec()))}
}

// watch records the receipt of each event until it has all of them.
func (wb *watchBench) watch(stream pb.Objects_WatchClient, w int, prefix string) {
	defer wb.pending.Done()
	got, last := 0, uint64(0)
	for got < wb.opts.count {
		ev, err := stream.Recv()
		if err != nil {
			if !errors.Is(err, context.Canceled) && status.Code(err) != codes.Canceled {
				wb.noteError(fmt.Errorf("watch %d: %w", w, err))
			}
			return
		}
		i, ok := benchIndex(ev.GetObject().GetMetadata().GetName(), prefix)
		if !ok || ev.GetType() != pb.EventType_ADDED || i >= wb.opts.count {
			continue
		}
		if ev.Revision < last {
			wb.noteError(fmt.Errorf("watch %d: revision %d after %d", w, ev.Revision, last))
		}
		last = ev.Revision
		if wb.recv[w][i] != 0 {
			wb.dups.Add(1)
			continue
		}
		wb.recv[w][i] = time.Now().UnixNano()
		got++
	}
}

// benchIndex parses i from a bench object's name.
func benchIndex(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	return i, err == nil && i >= 0
}

// write creates the objects at the requested rate.
func (wb *watchBench) write(ctx context.Context) {
	slots := make(chan struct{}, writerInFlight)
	var wg sync.WaitGroup
	start := time.Now()
	interval := time.Second / time.Duration(max(wb.opts.rate, 1))
	for i := range wb.opts.count {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wg.Go(func() {
			defer func() { <-slots }()
			cctx, cancel := wb.opts.callCtx(ctx)
			defer cancel()
			obj := wb.template(wb.name(i))
			if _, err := wb.client(i).Create(cctx, obj); err != nil {
				wb.noteError(err)
				return
			}
			wb.acks[i].Store(time.Now().UnixNano())
		})
	}
	wg.Wait()
}

// drain waits for the watchers to receive every event, up to a bound.
func (wb *watchBench) drain() {
	done := make(chan struct{})
	go func() { wb.pending.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(watchDrainTimeout):
	}
}

// result turns receipts into latencies; unreceived events of acknowledged
// writes are errors.
func (wb *watchBench) result(elapsed time.Duration) benchResult {
	var lats []time.Duration
	for w := range wb.recv {
		for i, at := range wb.recv[w] {
			ack := wb.acks[i].Load()
			switch {
			case ack == 0:
			case at == 0:
				wb.misses.Add(1)
			default:
				lats = append(lats, time.Duration(max(at-ack, 0)))
			}
		}
	}
	slices.Sort(lats)
	res := summarize(wb.opts, [][]time.Duration{lats}, wb.errors.Load()+wb.misses.Load()+wb.dups.Load(), elapsed)
	res.Concurrency = wb.opts.watchers
	return res
}

package netns

import (
	"bytes"
	"context"
	"io"
	"net"
	"sync"
	"time"
)

// Relay sizes: one read takes at most readSize bytes; a direction holds at
// most about maxQueued bytes waiting for their release time before it
// stops reading (so a delay d caps a connection's throughput near
// maxQueued/d: 80 MiB/s at 50 ms).
const (
	readSize  = 64 << 10
	maxQueued = 4 << 20
)

// chunk is what one read returned, and when to write it on.
type chunk struct {
	data []byte
	due  time.Time
	eof  bool  // the source closed its sending side
	err  error // the source failed; the connection is aborted
}

// relay copies both ways between node `from`'s connection (down) and the
// connection to node `to` (up) until both directions end, delaying each
// direction by its current delay. A failed direction aborts both
// connections with a reset; a closed one is passed on as a half-close.
func (p *proxy) relay(from, to int, down, up *net.TCPConn) {
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	var closer sync.WaitGroup
	closer.Go(func() {
		<-ctx.Done()
		down.Close()
		up.Close()
	})
	var dirs sync.WaitGroup
	dirs.Go(func() { p.pipe(ctx, cancel, down, up, from, to) })
	dirs.Go(func() { p.pipe(ctx, cancel, up, down, to, from) })
	dirs.Wait()
	cancel()
	closer.Wait()
}

// pipe moves one direction, from src (node `from`) to dst (node `to`):
// a reader queues timestamped chunks, and this goroutine writes each one
// when it is due, in order. On failure it resets both connections and
// cancels the relay.
func (p *proxy) pipe(ctx context.Context, cancel context.CancelFunc, src, dst *net.TCPConn, from, to int) {
	q := newFIFO()
	var reader sync.WaitGroup
	reader.Go(func() { p.read(src, q, from, to) })
	if err := release(ctx, q, dst); err != nil {
		src.SetLinger(0)
		dst.SetLinger(0)
		cancel()
	}
	q.close()
	reader.Wait()
}

// read queues what src sends, each chunk due at its arrival plus the
// current delay from node `from` to node `to`, then a final chunk saying
// how src ended.
func (p *proxy) read(src *net.TCPConn, q *fifo, from, to int) {
	buf := make([]byte, readSize)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			c := chunk{data: bytes.Clone(buf[:n]), due: time.Now().Add(p.delays.get(from, to))}
			if !q.push(c) {
				return
			}
		}
		if err != nil {
			end := chunk{eof: true}
			if err != io.EOF {
				end = chunk{err: err}
			}
			q.push(end)
			return
		}
	}
}

// release writes the queued chunks to dst, each when it is due, and
// half-closes dst after the source's EOF. It returns an error when the
// source failed, dst failed or the relay was cancelled.
func release(ctx context.Context, q *fifo, dst *net.TCPConn) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		c, ok := q.pop()
		if !ok {
			return context.Canceled
		}
		if err := waitUntil(ctx, timer, c.due); err != nil {
			return err
		}
		switch {
		case c.err != nil:
			return c.err
		case c.eof:
			return dst.CloseWrite()
		}
		if _, err := dst.Write(c.data); err != nil {
			return err
		}
	}
}

// waitUntil waits for t, or returns the context's error.
func waitUntil(ctx context.Context, timer *time.Timer, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	timer.Reset(d)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// fifo is the queue of one direction: unbounded in chunks, bounded in
// bytes (a push waits while maxQueued bytes are queued).
type fifo struct {
	mu     sync.Mutex
	cond   sync.Cond
	chunks []chunk
	bytes  int
	closed bool
}

// newFIFO returns an empty queue.
func newFIFO() *fifo {
	q := &fifo{}
	q.cond.L = &q.mu
	return q
}

// push appends c, waiting for room; it returns false once the queue is
// closed.
func (q *fifo) push(c chunk) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.bytes >= maxQueued && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return false
	}
	q.chunks = append(q.chunks, c)
	q.bytes += len(c.data)
	q.cond.Broadcast()
	return true
}

// pop removes the oldest chunk, waiting for one; it returns false once
// the queue is closed.
func (q *fifo) pop() (chunk, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.chunks) == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return chunk{}, false
	}
	c := q.chunks[0]
	q.chunks[0] = chunk{}
	q.chunks = q.chunks[1:]
	q.bytes -= len(c.data)
	q.cond.Broadcast()
	return c, true
}

// close wakes both sides and makes every later push and pop fail.
func (q *fifo) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

// Package wirepool is the buffer pool Drover's gRPC clients and servers
// read messages into.
//
// gRPC's default pool clears every buffer it hands out, over the buffer's
// whole capacity: a 1 KiB watch event read into a 4 KiB buffer costs a
// 4 KiB clear. Every byte of a buffer gRPC gets from a pool is overwritten
// by what it reads before anything looks at it, so the clear protects only
// against bugs in gRPC itself; with a hundred watches receiving a thousand
// events a second each it was a tenth of a client's CPU. Pool hands out
// buffers as they were returned.
package wirepool

import (
	"math/bits"
	"sync"

	"google.golang.org/grpc/mem"
)

// Size classes are powers of two from 2^minShift to 2^maxShift bytes;
// larger buffers are allocated and dropped, not pooled.
const (
	minShift = 8
	maxShift = 20
)

// Pool is a mem.BufferPool that does not clear the buffers it reuses.
type Pool struct {
	classes [maxShift - minShift + 1]sync.Pool
}

var _ mem.BufferPool = (*Pool)(nil)

// Shared is the pool every Drover client and server uses.
var Shared = &Pool{}

// class returns the size class that fits n bytes, or -1 when none does.
func class(n int) int {
	if n <= 1<<minShift {
		return 0
	}
	c := bits.Len(uint(n-1)) - minShift
	if c >= maxShift-minShift+1 {
		return -1
	}
	return c
}

// Get returns a buffer of length n; its contents are arbitrary.
func (p *Pool) Get(n int) *[]byte {
	c := class(n)
	if c < 0 {
		b := make([]byte, n)
		return &b
	}
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		*b = (*b)[:n]
		return b
	}
	b := make([]byte, n, 1<<(c+minShift))
	return &b
}

// Put returns a buffer for reuse; buffers not of a pooled capacity are
// dropped.
func (p *Pool) Put(b *[]byte) {
	c := class(cap(*b))
	if c < 0 || cap(*b) != 1<<(c+minShift) {
		return
	}
	p.classes[c].Put(b)
}

package raftstore

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"
	"sort"
	"sync"
	"sync/atomic"

	"go.etcd.io/bbolt"
)

// chainRingSize is how many recent chain values HashAt can answer for.
const chainRingSize = 1024

// keyChain holds the FSM hash chain in the meta bucket (DESIGN.md,
// "Hash chain").
var keyChain = []byte("chain")

// chainPoint is the hash chain's value once every entry up to index was
// applied.
type chainPoint struct {
	index uint64
	hash  [32]byte
}

// hashChain runs the FSM hash chain: for every applied command entry,
// chain = SHA-256(chain ‖ index as 8 bytes big-endian ‖ entry data). The
// value lives in the meta bucket beside the applied index; this type hashes
// a batch's entries and publishes the committed values to readers.
type hashChain struct {
	// Used by the applying goroutine only.
	h       hash.Hash
	cur     [32]byte
	idx     [8]byte
	pending []chainPoint // this batch's command entries

	published atomic.Pointer[chainPoint] // the value at the applied index

	mu       sync.RWMutex
	ring     [chainRingSize]chainPoint // one point per command entry, oldest at start
	start, n int
	upto     uint64 // the applied index the ring is complete up to
}

func newHashChain() *hashChain {
	return &hashChain{h: sha256.New()}
}

// reset forgets the recent values and starts from value at applied (at
// open and after Restore).
func (c *hashChain) reset(applied uint64, value [32]byte) {
	c.mu.Lock()
	c.ring[0] = chainPoint{index: applied, hash: value}
	c.start, c.n, c.upto = 0, 1, applied
	c.mu.Unlock()
	c.published.Store(&chainPoint{index: applied, hash: value})
}

// begin starts a batch from the value stored in meta.
func (c *hashChain) begin(meta *bbolt.Bucket) {
	c.cur = readChain(meta)
	c.pending = c.pending[:0]
}

// add hashes one command entry into the chain.
func (c *hashChain) add(index uint64, data []byte) {
	binary.BigEndian.PutUint64(c.idx[:], index)
	c.h.Reset()
	c.h.Write(c.cur[:])
	c.h.Write(c.idx[:])
	c.h.Write(data)
	c.h.Sum(c.cur[:0])
	c.pending = append(c.pending, chainPoint{index: index, hash: c.cur})
}

// store writes the batch's value into meta, if the batch hashed anything.
func (c *hashChain) store(a *applier) {
	if len(c.pending) == 0 {
		return
	}
	a.reserve(len(c.cur))
	start := len(a.buf)
	a.buf = append(a.buf, c.cur[:]...)
	must(a.meta.Put(keyChain, a.buf[start:len(a.buf):len(a.buf)]))
}

// publish makes the committed batch visible to HashChain and HashAt.
func (c *hashChain) publish(applied uint64) {
	c.mu.Lock()
	for _, p := range c.pending {
		c.ring[(c.start+c.n)%chainRingSize] = p
		if c.n < chainRingSize {
			c.n++
		} else {
			c.start = (c.start + 1) % chainRingSize
		}
	}
	c.upto = applied
	c.mu.Unlock()
	c.published.Store(&chainPoint{index: applied, hash: c.cur})
}

// at returns the chain value once every entry up to index was applied.
func (c *hashChain) at(index uint64) ([32]byte, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.n == 0 || index > c.upto || index < c.ring[c.start].index {
		return [32]byte{}, false
	}
	// The last point at or below index: no command lies between it and index.
	i := sort.Search(c.n, func(i int) bool { return c.ring[(c.start+i)%chainRingSize].index > index }) - 1
	return c.ring[(c.start+i)%chainRingSize].hash, true
}

// readChain returns the chain value stored in meta; a file written before
// the chain existed has none and starts from zero.
func readChain(meta *bbolt.Bucket) [32]byte {
	var v [32]byte
	copy(v[:], meta.Get(keyChain))
	return v
}

// HashChain returns the FSM hash chain and the applied index it belongs to.
// The chain covers the command entries applied up to that index
// (configuration entries and Raft's no-ops do not change it), so replicas
// at the same applied index must report the same hash (DESIGN.md, "Hash
// chain").
func (f *FSM) HashChain() (index uint64, hash [32]byte) {
	p := f.chain.published.Load()
	return p.index, p.hash
}

// HashAt returns the hash chain as it was once every entry up to index was
// applied, if index is within the recent values kept in memory (the last
// 1024 command entries, and never before the FSM was opened or restored)
// and not above the applied index. Two replicas at different applied
// indexes compare at a common one this way.
func (f *FSM) HashAt(index uint64) ([32]byte, bool) {
	return f.chain.at(index)
}

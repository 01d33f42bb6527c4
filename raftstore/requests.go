package raftstore

import (
	"encoding/binary"
	"errors"
	"hash/fnv"
	"sync"

	pb "github.com/drover/drover/proto/droverpb"
	"go.etcd.io/bbolt"
)

// Request ids make retries exact (DESIGN.md, "Request ids"). A successful op
// with a request id is remembered by the history key of the event it wrote:
// the event already holds its exact outcome. A failed op is remembered by a
// small failure record. Both live in the sequential requestIDs bucket under
// a key of the entry's revision, so COMPACT forgets an id exactly when it
// drops its revision from the history.

// MaxRequestIDLen bounds a request id; an op with a longer one is rejected
// with ErrInvalidCommand and not applied.
const MaxRequestIDLen = 256

// requestErrors are the sentinels a remembered failure may carry, by code.
// The codes are stored in the file and replicated through snapshots: append
// only, never renumber.
var requestErrors = []error{
	ErrInvalidCommand,
	ErrNotFound,
	ErrAlreadyExists,
	ErrConflict,
	ErrNamespaceNotFound,
	ErrNamespaceTerminating,
}

// failureSeq marks the requestIDs key of a failure record: seq
// failureSeq+n is the entry's n-th remembered failure. Event seqs stay far
// below it.
const failureSeq = 1 << 31

// idLoc is a requestIDs key: 8-byte BE revision + 4-byte BE seq. Below
// failureSeq it is also the history key of the op's event.
type idLoc [historyKeyLen]byte

func (l idLoc) failure() bool { return binary.BigEndian.Uint32(l[8:]) >= failureSeq }

// requestMemory is the FSM's in-memory index of remembered ids: a 64-bit
// hash of the id -> requestIDs key. It is derived from the requestIDs
// bucket (rebuilt at open and after Restore) and changed only by the
// applier after it commits, so every replica holds the same one. Keying by
// hash keeps it at ~40 bytes per id (100,000 ids: ~4 MiB); a hit is
// confirmed against the id stored in the record (recordMatches). Two
// remembered ids with one hash (odds ~1e-10 at 100,000 ids) keep only the
// newer one, on every replica alike.
type requestMemory struct {
	mu  sync.RWMutex
	ids map[uint64]idLoc
}

// hashID is the index key of a request id: FNV-1a, the same in every
// process.
func hashID(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

func (m *requestMemory) get(id string) (idLoc, bool) {
	m.mu.RLock()
	loc, ok := m.ids[hashID(id)]
	m.mu.RUnlock()
	return loc, ok
}

// recordMatches reports whether the requestIDs record at loc is id's.
func recordMatches(requestIDs *bbolt.Bucket, loc idLoc, id string) bool {
	v := requestIDs.Get(loc[:])
	return v != nil && recordID(loc, v) == id
}

// load replaces the index with the requestIDs bucket of tx.
func (m *requestMemory) load(tx *bbolt.Tx) {
	ids := make(map[uint64]idLoc)
	c := tx.Bucket(bucketRequestIDs).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var loc idLoc
		copy(loc[:], k)
		ids[hashID(recordID(loc, v))] = loc
	}
	m.mu.Lock()
	m.ids = ids
	m.mu.Unlock()
}

// merge folds a committed transaction's changes into the index.
func (m *requestMemory) merge(added map[string]idLoc, forgotten map[idLoc]string) {
	if len(added) == 0 && len(forgotten) == 0 {
		return
	}
	m.mu.Lock()
	for loc, id := range forgotten {
		if h := hashID(id); m.ids[h] == loc {
			delete(m.ids, h)
		}
	}
	for id, loc := range added {
		m.ids[hashID(id)] = loc
	}
	m.mu.Unlock()
}

// opWithID applies an op that carries request id id: a remembered id gets
// its outcome back and writes nothing; otherwise the op is applied and its
// outcome remembered.
func (a *applier) opWithID(op *pb.Op, id string) OpResult {
	if len(id) > MaxRequestIDLen {
		return OpResult{Err: errorf(ErrInvalidCommand, "request id of %d bytes exceeds %d", len(id), MaxRequestIDLen)}
	}
	if loc, ok := a.lookupID(id); ok {
		return a.outcome(loc)
	}
	firstEvent, firstSeq := len(a.events), a.seq
	res := a.applyOp(op)
	switch {
	case res.Err != nil:
		a.rememberFailure(id, res.Err)
	case res.Object != nil:
		// The op's event is the one carrying its object (a namespace
		// delete also writes its contents' events, before its own).
		for i, ev := range a.events[firstEvent:] {
			if ev.Object == res.Object {
				a.rememberAt(id, firstSeq+uint32(i), []byte(id))
				break
			}
		}
	}
	// A success without an event (a delete of an object already being
	// deleted, SET_MEMBER, COMPACT) is not remembered: a retry does the
	// same again.
	return res
}

// lookupID returns where id is remembered, seeing this transaction's
// changes over the FSM's index.
func (a *applier) lookupID(id string) (idLoc, bool) {
	if loc, ok := a.added[id]; ok {
		return loc, true
	}
	if a.memory == nil {
		return idLoc{}, false
	}
	loc, ok := a.memory.get(id)
	if !ok || !recordMatches(a.requestIDs, loc, id) {
		return idLoc{}, false
	}
	if _, gone := a.forgotten[loc]; gone {
		return idLoc{}, false
	}
	return loc, true
}

// rememberAt records id under (current revision, seq) with value v.
func (a *applier) rememberAt(id string, seq uint32, v []byte) {
	a.reserve(historyKeyLen)
	start := len(a.buf)
	a.buf = appendHistoryKey(a.buf, a.index, seq)
	k := a.buf[start:len(a.buf):len(a.buf)]
	must(a.requestIDs.Put(k, v))
	if a.added == nil {
		a.added = make(map[string]idLoc)
	}
	a.added[id] = idLoc(k)
}

// rememberFailure writes a failure record: code, uvarint id length, id,
// message.
func (a *applier) rememberFailure(id string, err error) {
	msg := err.Error()
	a.reserve(1 + binary.MaxVarintLen64 + len(id) + len(msg))
	start := len(a.buf)
	a.buf = append(a.buf, byte(errorCode(err)))
	a.buf = binary.AppendUvarint(a.buf, uint64(len(id)))
	a.buf = append(a.buf, id...)
	a.buf = append(a.buf, msg...)
	v := a.buf[start:len(a.buf):len(a.buf)]
	a.rememberAt(id, failureSeq+a.failures, v)
	a.failures++
}

// outcome reads a remembered outcome inside the transaction.
func (a *applier) outcome(loc idLoc) OpResult {
	res, ok := readOutcome(a.history, a.requestIDs, loc)
	if !ok {
		panic("raftstore: remembered request id has no record")
	}
	return res
}

// forgetThrough drops the ids remembered at revisions at or below rev; the
// keys are in revision order, so it reads only what it deletes.
func (a *applier) forgetThrough(rev uint64) {
	deleteThrough(a.requestIDs, rev, func(k, v []byte) {
		loc := idLoc(k)
		id := recordID(loc, v)
		if a.added[id] == loc {
			delete(a.added, id)
			return
		}
		if a.forgotten == nil {
			a.forgotten = make(map[idLoc]string)
		}
		a.forgotten[loc] = id
	})
}

// recordID returns the id of a requestIDs record.
func recordID(loc idLoc, v []byte) string {
	if !loc.failure() {
		return string(v)
	}
	id, _, ok := splitFailure(v)
	if !ok {
		panic("raftstore: corrupt request id record")
	}
	return id
}

// splitFailure splits a failure record into id and the rest (code, message
// are v[0] and rest).
func splitFailure(v []byte) (id string, msg []byte, ok bool) {
	if len(v) < 1 {
		return "", nil, false
	}
	n, w := binary.Uvarint(v[1:])
	if w <= 0 || uint64(len(v)-1-w) < n {
		return "", nil, false
	}
	p := 1 + w
	return string(v[p : p+int(n)]), v[p+int(n):], true
}

// readOutcome rebuilds the outcome remembered at loc; the object is a fresh
// copy. ok is false when the record is missing.
func readOutcome(history, requestIDs *bbolt.Bucket, loc idLoc) (OpResult, bool) {
	if !loc.failure() {
		v := history.Get(loc[:])
		if v == nil {
			return OpResult{}, false
		}
		return OpResult{Object: decodeEvent(v).GetObject()}, true
	}
	v := requestIDs.Get(loc[:])
	if v == nil {
		return OpResult{}, false
	}
	_, msg, ok := splitFailure(v)
	if !ok || int(v[0]) >= len(requestErrors) {
		panic("raftstore: corrupt request id record")
	}
	return OpResult{Err: &storeError{sentinel: requestErrors[v[0]], msg: string(msg)}}, true
}

// errorCode is the index in requestErrors of err's sentinel; an error of no
// known sentinel is remembered as ErrInvalidCommand with its message.
func errorCode(err error) int {
	for i, s := range requestErrors {
		if errors.Is(err, s) {
			return i
		}
	}
	return 0
}

// RequestOutcome returns the remembered outcome of request id, if the
// history still holds it. The API uses it when its own checks before
// proposing fail, to tell a retry of an applied write from a new one.
func (f *FSM) RequestOutcome(id string) (OpResult, bool) {
	var res OpResult
	found := false
	if id == "" || len(id) > MaxRequestIDLen {
		return res, false
	}
	loc, ok := f.requests.get(id)
	if !ok {
		return res, false
	}
	_ = f.view(func(tx *bbolt.Tx) error {
		if recordMatches(tx.Bucket(bucketRequestIDs), loc, id) {
			res, found = readOutcome(tx.Bucket(bucketHistory), tx.Bucket(bucketRequestIDs), loc)
		}
		return nil
	})
	return res, found
}

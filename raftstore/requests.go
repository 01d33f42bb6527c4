package raftstore

import (
	"encoding/binary"
	"errors"
	"time"

	pb "github.com/drover/drover/proto/droverpb"
	"go.etcd.io/bbolt"
)

// Request ids make retries exact (DESIGN.md, "Request ids"): the applier
// remembers the outcome of every op that carries a request id, and an op
// whose id it still remembers gets that outcome back instead of being
// applied again.

// The window of remembered ids. Both are replicated behaviour, not
// configuration: every replica must prune the same ids at the same entry.
// Variables only so that tests can shrink them.
var (
	// requestWindowCount is how many ids are remembered at most.
	requestWindowCount uint64 = 10_000
	// requestWindowAge is how long (in Command.timestamp) an id is
	// remembered at most.
	requestWindowAge = int64(10 * time.Minute)
)

// MaxRequestIDLen bounds a request id; an op with a longer one is rejected
// with ErrInvalidCommand and not applied.
const MaxRequestIDLen = 256

// Outcome codes of a remembered record. They are stored in the file and
// replicated through snapshots: never renumber them, only append.
const (
	outcomeOK       = 0 // success without an object
	outcomeObject   = 1 // success; the rest of the record is the object
	outcomeErrFirst = 2 // failure with requestErrors[code-2]; the rest is the message
)

// requestErrors are the sentinels a remembered failure may carry, by code.
// Append only.
var requestErrors = []error{
	ErrInvalidCommand,
	ErrNotFound,
	ErrAlreadyExists,
	ErrConflict,
	ErrNamespaceNotFound,
	ErrNamespaceTerminating,
}

// requestHeaderLen is the fixed part of a record: entry index, command
// timestamp, outcome code.
const requestHeaderLen = 8 + 8 + 1

// opWithID applies an op that carries request id id: a remembered id returns
// its outcome and writes nothing; otherwise the op is applied and its outcome
// remembered.
func (a *applier) opWithID(op *pb.Op, id string) OpResult {
	if len(id) > MaxRequestIDLen {
		return OpResult{Err: errorf(ErrInvalidCommand, "request id of %d bytes exceeds %d", len(id), MaxRequestIDLen)}
	}
	a.pruneRequestsByAge()
	if v := a.requests.Get(a.str(id)); v != nil {
		return decodeOutcome(v)
	}
	res := a.applyOp(op)
	a.remember(id, res)
	return res
}

// remember records id's outcome at the current entry, then drops the
// oldest ids beyond the count window.
func (a *applier) remember(id string, res OpResult) {
	start := len(a.buf)
	a.buf = binary.BigEndian.AppendUint64(a.buf, a.index)
	a.buf = binary.BigEndian.AppendUint64(a.buf, uint64(a.ts))
	var err error
	switch {
	case res.Err != nil:
		code, msg := outcomeErrFirst+errorCode(res.Err), res.Err.Error()
		a.buf = append(a.buf, byte(code))
		a.buf = append(a.buf, msg...)
	case res.Object != nil:
		a.buf = append(a.buf, outcomeObject)
		a.buf, err = marshalOpts.MarshalAppend(a.buf, res.Object)
	default:
		a.buf = append(a.buf, outcomeOK)
	}
	if err != nil {
		panic("raftstore: marshal: " + err.Error())
	}
	rec := a.buf[start:len(a.buf):len(a.buf)]
	ts := rec[8:16] // the index bucket's value: the timestamp, for the age rule

	start = len(a.buf)
	a.buf = binary.BigEndian.AppendUint64(a.buf, a.index)
	a.buf = append(a.buf, id...)
	ik := a.buf[start:len(a.buf):len(a.buf)]
	must(a.requests.Put(ik[8:], rec))
	must(a.requestIndex.Put(ik, ts))

	n := a.requestCount() + 1
	for ; n > requestWindowCount; n-- {
		a.forgetOldest()
	}
	a.reqCount, a.reqDirty = n, true
}

// pruneRequestsByAge forgets, oldest first, the ids remembered longer than
// the age window before this entry's timestamp. It stops at the first
// younger id, so it reads one index key when there is nothing to forget.
func (a *applier) pruneRequestsByAge() {
	cutoff := a.ts - requestWindowAge
	c := a.requestIndex.Cursor()
	n := uint64(0)
	for k, v := c.First(); k != nil && int64(binary.BigEndian.Uint64(v)) < cutoff; k, v = c.First() {
		must(a.requests.Delete(k[8:]))
		must(c.Delete())
		n++
	}
	if n > 0 {
		a.reqCount, a.reqDirty = a.requestCount()-n, true
	}
}

// forgetOldest forgets the id remembered at the lowest (index, id).
func (a *applier) forgetOldest() {
	c := a.requestIndex.Cursor()
	k, _ := c.First()
	if k == nil {
		panic("raftstore: remembered request count exceeds the index")
	}
	must(a.requests.Delete(k[8:]))
	must(c.Delete())
}

// requestCount is the number of remembered ids, read from meta once per
// transaction.
func (a *applier) requestCount() uint64 {
	if !a.reqLoaded {
		a.reqCount, a.reqLoaded = getUint64(a.meta, keyRequests), true
	}
	return a.reqCount
}

// finishRequests writes the remembered id count back to meta.
func (a *applier) finishRequests() {
	if a.reqDirty {
		a.putUint64(a.meta, keyRequests, a.reqCount)
		a.reqDirty = false
	}
}

// str copies s into the arena as a key.
func (a *applier) str(s string) []byte {
	start := len(a.buf)
	a.buf = append(a.buf, s...)
	return a.buf[start:len(a.buf):len(a.buf)]
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

// decodeOutcome rebuilds a remembered outcome; the object is a fresh copy.
func decodeOutcome(v []byte) OpResult {
	if len(v) < requestHeaderLen {
		panic("raftstore: corrupt request record")
	}
	code, rest := int(v[16]), v[requestHeaderLen:]
	switch {
	case code == outcomeOK:
		return OpResult{}
	case code == outcomeObject:
		return OpResult{Object: decodeObject(rest)}
	case code-outcomeErrFirst < len(requestErrors):
		return OpResult{Err: &storeError{sentinel: requestErrors[code-outcomeErrFirst], msg: string(rest)}}
	}
	panic("raftstore: corrupt request record")
}

// RequestOutcome returns the remembered outcome of request id, if the
// window still holds it. The API uses it when its own checks before
// proposing fail, to tell a retry of an applied write from a new one.
func (f *FSM) RequestOutcome(id string) (OpResult, bool) {
	var res OpResult
	found := false
	if id == "" || len(id) > MaxRequestIDLen {
		return res, false
	}
	_ = f.view(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketRequests).Get([]byte(id)); v != nil {
			res, found = decodeOutcome(v), true
		}
		return nil
	})
	return res, found
}

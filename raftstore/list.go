package raftstore

import (
	"bytes"
	"sort"

	pb "github.com/drover/drover/proto/droverpb"
	"go.etcd.io/bbolt"
)

// ListOptions selects the objects List returns.
type ListOptions struct {
	// Kind is the kind to list; Namespace "" lists all namespaces.
	Kind, Namespace string
	// Revision is 0 for the current state, else the exact revision to read.
	Revision uint64
	// After is a ListResult.NextKey: the list continues strictly after it.
	After string
	// Limit bounds the items returned (0: no limit); it counts matching items.
	Limit int
	// Filter keeps an object when it returns true; nil keeps all.
	Filter func(*pb.Object) bool
}

// ListResult is one page of a List.
type ListResult struct {
	// Items are the matching objects, in key order.
	Items []*pb.Object
	// Revision is the revision read; pass it back with NextKey to continue.
	Revision uint64
	// NextKey is the opaque key to continue after; "" when done.
	NextKey string
}

// List returns objects of one kind at the current or an older revision,
// rebuilding older state by undoing history (see DESIGN.md). A revision
// below the compacted one fails with ErrCompacted, a future one with
// ErrFutureRevision.
func (f *FSM) List(opts ListOptions) (*ListResult, error) {
	info, ok := lookupKind(opts.Kind)
	if !ok {
		return nil, pb.ErrUnknownKind{Name: opts.Kind}
	}
	ns := opts.Namespace
	if !info.Namespaced {
		ns = ""
	}
	var res *ListResult
	err := f.view(func(tx *bbolt.Tx) error {
		it, rev, err := newStateIter(tx, listPrefix(info.Kind, ns), opts)
		if err != nil {
			return err
		}
		res = page(it, opts)
		res.Revision = rev
		return nil
	})
	return res, err
}

// page collects up to opts.Limit matching items from it.
func page(it *stateIter, opts ListOptions) *ListResult {
	res := &ListResult{}
	for opts.Limit <= 0 || len(res.Items) < opts.Limit {
		k, obj, ok := it.next()
		if !ok {
			res.NextKey = ""
			return res
		}
		if opts.Filter == nil || opts.Filter(obj) {
			res.Items = append(res.Items, obj)
			res.NextKey = string(k)
		}
	}
	// Peek one key further (never the whole rest: a page must cost the
	// page, not the list).
	if !it.more() {
		res.NextKey = ""
	}
	return res
}

// newStateIter positions an iterator over the state at the requested
// revision, strictly after opts.After.
func newStateIter(tx *bbolt.Tx, prefix []byte, opts ListOptions) (*stateIter, uint64, error) {
	applied, compacted := readMeta(tx)
	rev := opts.Revision
	switch {
	case rev == 0 || rev == applied:
		rev = applied
	case rev > applied:
		return nil, 0, errorf(ErrFutureRevision, "revision %d is not yet applied (applied %d)", rev, applied)
	case rev < compacted:
		return nil, 0, compactedError(rev, compacted)
	}
	after := []byte(opts.After)
	it := &stateIter{c: tx.Bucket(bucketObjects).Cursor(), prefix: prefix}
	if rev < applied {
		it.undo = undoSince(tx, rev, prefix, after)
	}
	it.seek(after)
	return it, rev, nil
}

// undoEntry is the state of one key at the listed revision: obj, or absent.
type undoEntry struct {
	key []byte
	obj *pb.Object
}

// undoSince returns, for every key under prefix and after `after` changed
// since rev, its state at rev, taken from the first event after rev: ADDED
// means absent, MODIFIED and DELETED carry that state as prev. Sorted by key.
func undoSince(tx *bbolt.Tx, rev uint64, prefix, after []byte) []undoEntry {
	seen := make(map[string]bool)
	var out []undoEntry
	c := tx.Bucket(bucketHistory).Cursor()
	for k, v := c.Seek(appendHistoryKey(nil, rev+1, 0)); k != nil; k, v = c.Next() {
		ev := decodeEvent(v)
		key := keyOfObject(ev.GetObject())
		if !bytes.HasPrefix(key, prefix) || bytes.Compare(key, after) <= 0 || seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		var obj *pb.Object
		if ev.GetType() != pb.EventType_ADDED {
			obj = ev.GetPrev()
		}
		out = append(out, undoEntry{key: key, obj: obj})
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i].key, out[j].key) < 0 })
	return out
}

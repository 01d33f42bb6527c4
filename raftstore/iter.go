package raftstore

import (
	"bytes"

	pb "github.com/drover/drover/proto/droverpb"
	"go.etcd.io/bbolt"
)

// stateIter walks the objects under a prefix in key order as they were at a
// revision: the current objects merged with undo entries, which override
// the current state of their keys.
type stateIter struct {
	c      *bbolt.Cursor
	prefix []byte
	ck, cv []byte // current cursor position; ck nil when exhausted
	undo   []undoEntry
	ui     int
}

// seek positions the cursor strictly after `after` (or at the prefix).
func (it *stateIter) seek(after []byte) {
	from := it.prefix
	if bytes.Compare(after, from) >= 0 {
		from = after
	}
	it.ck, it.cv = it.c.Seek(from)
	if it.ck != nil && len(after) > 0 && bytes.Equal(it.ck, after) {
		it.ck, it.cv = it.c.Next()
	}
	it.clip()
}

// advance moves the cursor one key on.
func (it *stateIter) advance() {
	it.ck, it.cv = it.c.Next()
	it.clip()
}

// clip ends the cursor at the end of the prefix.
func (it *stateIter) clip() {
	if it.ck != nil && !bytes.HasPrefix(it.ck, it.prefix) {
		it.ck, it.cv = nil, nil
	}
}

// nextKey returns the next key present at the revision and, when decode is
// set, its object; ok is false at the end.
func (it *stateIter) nextKey(decode bool) (key []byte, obj *pb.Object, ok bool) {
	for {
		haveUndo := it.ui < len(it.undo)
		if it.ck == nil && !haveUndo {
			return nil, nil, false
		}
		if haveUndo && (it.ck == nil || bytes.Compare(it.undo[it.ui].key, it.ck) <= 0) {
			u := it.undo[it.ui]
			it.ui++
			if it.ck != nil && bytes.Equal(u.key, it.ck) {
				it.advance()
			}
			if u.obj == nil {
				continue // absent at the revision
			}
			return u.key, u.obj, true
		}
		key = it.ck
		if decode {
			obj = decodeObject(it.cv)
		}
		it.advance()
		return key, obj, true
	}
}

// next returns the next key and its decoded object.
func (it *stateIter) next() ([]byte, *pb.Object, bool) {
	return it.nextKey(true)
}

// more reports whether any key is left, without decoding it.
func (it *stateIter) more() bool {
	_, _, ok := it.nextKey(false)
	return ok
}

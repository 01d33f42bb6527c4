package raftstore

import (
	"fmt"
	"time"

	pb "github.com/drover/drover/proto/droverpb"
	"go.etcd.io/bbolt"
)

// Get returns the current state of one object, or an error wrapping
// ErrNotFound (`pods "x" not found`).
func (f *FSM) Get(kind, namespace, name string) (*pb.Object, error) {
	info, ok := lookupKind(kind)
	if !ok {
		return nil, fmt.Errorf("%w: %w", ErrNotFound, pb.ErrUnknownKind{Name: kind})
	}
	if !info.Namespaced {
		namespace = ""
	}
	var obj *pb.Object
	err := f.view(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketObjects).Get(objectKey(info.Kind, namespace, name)); v != nil {
			obj = decodeObject(v)
		}
		return nil
	})
	if err == nil && obj == nil {
		err = notFound(info.Kind, name)
	}
	return obj, err
}

// Members returns the recorded peers: member id -> API address.
func (f *FSM) Members() (map[string]string, error) {
	out := make(map[string]string)
	err := f.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMembers).ForEach(func(k, v []byte) error {
			out[string(k)] = string(v)
			return nil
		})
	})
	return out, err
}

// Events returns history events with revision > after, in order, stopping
// once at least max events are collected (max <= 0: no limit) but never
// splitting a revision, plus the applied index read in the same transaction.
// It fails with ErrCompacted when after is below the compacted revision.
func (f *FSM) Events(after uint64, max int) (events []*pb.Event, applied uint64, err error) {
	err = f.view(func(tx *bbolt.Tx) error {
		var compacted uint64
		applied, compacted = readMeta(tx)
		if after < compacted {
			return compactedError(after, compacted)
		}
		events = collectEvents(tx, after, max)
		return nil
	})
	return events, applied, err
}

// collectEvents reads history after a revision, whole revisions at a time.
func collectEvents(tx *bbolt.Tx, after uint64, max int) []*pb.Event {
	var out []*pb.Event
	c := tx.Bucket(bucketHistory).Cursor()
	for k, v := c.Seek(appendHistoryKey(nil, after+1, 0)); k != nil; k, v = c.Next() {
		rev := historyRevision(k)
		if max > 0 && len(out) >= max && rev != out[len(out)-1].Revision {
			break
		}
		out = append(out, decodeEvent(v))
	}
	return out
}

// compactedError reports a revision older than the retained history.
func compactedError(rev, compacted uint64) error {
	return fmt.Errorf("%w: revision %d is older than the oldest retained revision %d", ErrCompacted, rev, compacted)
}

// CompactionTarget returns the revision the leader should propose in a
// COMPACT op so that at most maxEvents events remain (maxEvents <= 0: no
// bound) and none is older than maxAge at now (maxAge <= 0: no bound); 0 when
// there is nothing to do. Revisions are never split. It reads only the
// events it would compact away (the retained count is a meta counter), so it
// does not pull the whole history into memory.
func (f *FSM) CompactionTarget(maxEvents int, maxAge time.Duration, now time.Time) uint64 {
	var target, compacted uint64
	_ = f.view(func(tx *bbolt.Tx) error {
		_, compacted = readMeta(tx)
		c := tx.Bucket(bucketHistory).Cursor()
		if maxEvents > 0 {
			target = countTarget(c, getUint64(tx.Bucket(bucketMeta), keyEvents), uint64(maxEvents))
		}
		if maxAge > 0 {
			target = max(target, ageTarget(c, now.Add(-maxAge).UnixNano()))
		}
		return nil
	})
	if target <= compacted {
		return 0
	}
	return target
}

// countTarget returns the revision of the newest event beyond the budget,
// which must go with everything before it. Of count retained events that is
// the (count-maxEvents)-th oldest, so only the events about to be compacted
// are walked, from the oldest.
func countTarget(c *bbolt.Cursor, count, maxEvents uint64) uint64 {
	if count <= maxEvents {
		return 0
	}
	excess, n := count-maxEvents, uint64(0)
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if n++; n == excess {
			return historyRevision(k)
		}
	}
	return 0 // the counter overstates the history: compact nothing
}

// ageTarget returns the newest revision whose events are older than cutoff.
func ageTarget(c *bbolt.Cursor, cutoff int64) uint64 {
	var target uint64
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if decodeEvent(v).GetTimestamp() >= cutoff {
			break
		}
		target = historyRevision(k)
	}
	return target
}

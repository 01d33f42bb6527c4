package raftstore

import (
	"fmt"

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
func (f *FSM) Members() (map[string]string, error) { return f.readMap(bucketMembers) }

// MemberInstances returns the instance of each member last recorded
// holding data, by member id.
func (f *FSM) MemberInstances() (map[string]string, error) { return f.readMap(bucketMemberInstances) }

// readMap returns a bucket's keys and values as strings.
func (f *FSM) readMap(bucket []byte) (map[string]string, error) {
	out := make(map[string]string)
	err := f.view(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
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

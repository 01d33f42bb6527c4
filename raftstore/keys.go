package raftstore

import (
	"encoding/binary"
	"sort"

	pb "github.com/drover/drover/proto/droverpb"
	"go.etcd.io/bbolt"
)

// Bucket names and meta keys; DESIGN.md beside this file describes the layout.
var (
	bucketObjects = []byte("objects")
	bucketHistory = []byte("history")
	bucketMeta    = []byte("meta")
	bucketMembers = []byte("members")
	// bucketMemberInstances maps a member id to the instance of it last
	// recorded holding data (SET_MEMBER's member_instance).
	bucketMemberInstances = []byte("member-instances")
	// bucketRequestIDs: 8-byte BE revision + 4-byte BE seq -> request id
	// (or a failure record, requests.go).
	bucketRequestIDs = []byte("requestIDs")
	allBuckets       = [][]byte{bucketObjects, bucketHistory, bucketMeta, bucketMembers, bucketRequestIDs, bucketMemberInstances}
	// obsoleteBuckets held request ids before requestIDs; an older file
	// loses them at open.
	obsoleteBuckets = [][]byte{[]byte("requests"), []byte("requestIndex")}

	keyApplied   = []byte("applied")
	keyCompacted = []byte("compacted")
	// keyEvents counts the events retained in the history bucket, so that
	// CompactionTarget need not walk it.
	keyEvents = []byte("events")
	// keyObsoleteRequests counted the ids of the obsolete buckets.
	keyObsoleteRequests = []byte("requests")
)

const (
	kindNamespace = "Namespace"
	historyKeyLen = 12
)

// kindsByName resolves canonical kind names without the case folding of
// pb.LookupKind; namespacedKinds lists namespaced kinds in key order.
var (
	kindsByName     = buildKindsByName()
	namespacedKinds = buildNamespacedKinds()
)

func buildKindsByName() map[string]*pb.KindInfo {
	m := make(map[string]*pb.KindInfo, len(pb.Kinds))
	for i := range pb.Kinds {
		m[pb.Kinds[i].Kind] = &pb.Kinds[i]
	}
	return m
}

func buildNamespacedKinds() []string {
	var out []string
	for _, k := range pb.Kinds {
		if k.Namespaced {
			out = append(out, k.Kind)
		}
	}
	sort.Strings(out)
	return out
}

// lookupKind resolves kind by canonical name first, then by any alias.
func lookupKind(kind string) (*pb.KindInfo, bool) {
	if k, ok := kindsByName[kind]; ok {
		return k, true
	}
	return pb.LookupKind(kind)
}

// appendObjectKey appends kind\x00namespace\x00name to dst.
func appendObjectKey(dst []byte, kind, namespace, name string) []byte {
	dst = append(dst, kind...)
	dst = append(dst, 0)
	dst = append(dst, namespace...)
	dst = append(dst, 0)
	return append(dst, name...)
}

// objectKey returns the objects-bucket key of one object.
func objectKey(kind, namespace, name string) []byte {
	return appendObjectKey(make([]byte, 0, len(kind)+len(namespace)+len(name)+2), kind, namespace, name)
}

// keyOfObject returns the key an object is stored under.
func keyOfObject(o *pb.Object) []byte {
	m := o.GetMetadata()
	return objectKey(o.GetKind(), m.GetNamespace(), m.GetName())
}

// listPrefix is the key prefix of a kind in one namespace, or in all
// namespaces when namespace is empty.
func listPrefix(kind, namespace string) []byte {
	p := append([]byte(kind), 0)
	if namespace != "" {
		p = append(append(p, namespace...), 0)
	}
	return p
}

// appendHistoryKey appends the 12-byte history key (revision, seq) to dst.
func appendHistoryKey(dst []byte, rev uint64, seq uint32) []byte {
	dst = binary.BigEndian.AppendUint64(dst, rev)
	return binary.BigEndian.AppendUint32(dst, seq)
}

// historyRevision returns the revision part of a history key.
func historyRevision(k []byte) uint64 {
	return binary.BigEndian.Uint64(k[:8])
}

// deleteThrough deletes every record of b (keyed by history key) at or
// below rev, calling each, when given, with the record before it goes, and
// returns how many went. It walks first and deletes by key afterwards:
// deleting under a cursor and seeking First again would walk every emptied
// leaf of the transaction each time, which made a compaction of a few
// thousand events quadratic (tens of milliseconds of stalled applies).
func deleteThrough(b *bbolt.Bucket, rev uint64, each func(k, v []byte)) int {
	var keys [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil && historyRevision(k) <= rev; k, v = c.Next() {
		if each != nil {
			each(k, v)
		}
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		must(b.Delete(k))
	}
	return len(keys)
}

// getUint64 reads a big-endian counter from b; absent is zero.
func getUint64(b *bbolt.Bucket, key []byte) uint64 {
	v := b.Get(key)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

// countHistory counts the history bucket's events; only used once when
// opening a file written before the meta counter existed.
func countHistory(tx *bbolt.Tx) uint64 {
	var n uint64
	c := tx.Bucket(bucketHistory).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// readMeta returns the applied index and compacted revision seen by tx.
func readMeta(tx *bbolt.Tx) (applied, compacted uint64) {
	b := tx.Bucket(bucketMeta)
	return getUint64(b, keyApplied), getUint64(b, keyCompacted)
}

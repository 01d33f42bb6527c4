package raftstore

import (
	"bytes"
	"fmt"

	pb "github.com/drover/drover/proto/droverpb"
	"go.etcd.io/bbolt"
)

// OpResult is the outcome of one Op: the object as stored (or as deleted),
// or a domain rejection wrapping a sentinel from errors.go. Objects are
// shared with events and must be treated as read-only.
type OpResult struct {
	Object *pb.Object
	Err    error
}

// ApplyResult is the FSM response for a LogCommand entry: one result per Op,
// in the order of the command's ops.
type ApplyResult struct {
	Results []OpResult
}

// applier carries the state of one write transaction. buf is an arena for
// keys and values: bbolt needs them valid until commit, so slices are never
// overwritten, only appended to.
type applier struct {
	objects, history, meta, members, instances *bbolt.Bucket
	// requestIDs maps (revision, seq) -> remembered request id
	// (requests.go).
	requestIDs *bbolt.Bucket

	index  uint64
	ts     int64
	seq    uint32
	events []*pb.Event
	buf    []byte

	// written and removed count history events put and deleted in this
	// transaction; finish folds them into the meta counter.
	written, removed uint64

	// memory is the FSM's index of remembered ids;
	// added and forgotten are this transaction's changes to it, merged
	// after commit. failures counts the entry's remembered failures.
	memory    *requestMemory
	added     map[string]idLoc
	forgotten map[idLoc]string
	failures  uint32

	// namespaces remembers checkNamespace's answers in this transaction.
	namespaces map[string]error
	// loaded is the object load last returned and loadedBytes its stored
	// encoding (encodeEvent).
	loaded      *pb.Object
	loadedBytes []byte
}

func newApplier(tx *bbolt.Tx, buf []byte, memory *requestMemory) *applier {
	history := tx.Bucket(bucketHistory)
	// History keys only ever grow, so pages can be filled completely
	// instead of split in half: half the file, half the pages written.
	history.FillPercent = 1.0
	// requestIDs keys grow the same way.
	requestIDs := tx.Bucket(bucketRequestIDs)
	requestIDs.FillPercent = 1.0
	// Objects are inserted at scattered keys; splitting full pages at 90 %
	// instead of bbolt's 50 % leaves them about a third denser (measured:
	// 100,000 objects of 1 KiB took 192 MB of leaf pages at 50 %), which
	// means a smaller file and fewer pages mapped into memory.
	objects := tx.Bucket(bucketObjects)
	objects.FillPercent = 0.9
	return &applier{
		objects:    objects,
		history:    history,
		meta:       tx.Bucket(bucketMeta),
		members:    tx.Bucket(bucketMembers),
		instances:  tx.Bucket(bucketMemberInstances),
		requestIDs: requestIDs,
		memory:     memory,
		buf:        buf[:0],
	}
}

// command applies every op of cmd in order; each op succeeds or fails alone.
func (a *applier) command(index uint64, cmd *pb.Command) []OpResult {
	a.index, a.ts, a.seq, a.failures = index, cmd.GetTimestamp(), 0, 0
	res := make([]OpResult, len(cmd.GetOps()))
	for i, op := range cmd.GetOps() {
		res[i] = a.op(op)
	}
	return res
}

// op applies one operation; one that carries a request id goes through the
// remembered ids first.
func (a *applier) op(op *pb.Op) OpResult {
	if id := op.GetRequestId(); id != "" {
		return a.opWithID(op, id)
	}
	return a.applyOp(op)
}

// applyOp dispatches one operation by type.
func (a *applier) applyOp(op *pb.Op) OpResult {
	var obj *pb.Object
	var err error
	switch op.GetType() {
	case pb.OpType_CREATE:
		obj, err = a.applyCreate(op)
	case pb.OpType_UPDATE:
		obj, err = a.applyUpdate(op)
	case pb.OpType_UPDATE_STATUS:
		obj, err = a.applyUpdateStatus(op)
	case pb.OpType_DELETE:
		obj, err = a.applyDelete(op)
	case pb.OpType_COMPACT:
		a.applyCompact(op)
	case pb.OpType_SET_MEMBER:
		err = a.applySetMember(op)
	default:
		err = errorf(ErrInvalidCommand, "unknown operation %v", op.GetType())
	}
	return OpResult{Object: obj, Err: err}
}

// applyCreate stores a new object at generation 1.
func (a *applier) applyCreate(op *pb.Op) (*pb.Object, error) {
	t, err := a.target(op.GetObject())
	if err != nil {
		return nil, err
	}
	if a.objects.Get(t.key) != nil {
		return nil, errorf(ErrAlreadyExists, "%s %q already exists", t.info.Plural, t.name)
	}
	if t.info.Namespaced {
		if err := a.checkNamespace(t.ns); err != nil {
			return nil, err
		}
	}
	// The command was decoded from the entry for this apply alone, so its
	// object can become the stored one without a copy.
	obj := op.GetObject()
	obj.Kind, obj.Metadata.Namespace = t.info.Kind, t.ns
	obj.Metadata.ResourceVersion = a.index
	obj.Metadata.Generation = 1
	a.store(t.key, obj)
	a.emit(pb.EventType_ADDED, obj, nil)
	return obj, nil
}

// applyUpdate replaces metadata and body, keeping identity, timestamps and
// status; an object being deleted whose last finalizer is removed goes away.
func (a *applier) applyUpdate(op *pb.Op) (*pb.Object, error) {
	t, old, err := a.existing(op)
	if err != nil {
		return nil, err
	}
	in, obj := op.GetObject(), cloneWithout(old, &old.Body)
	m, im := obj.Metadata, in.GetMetadata()
	m.Labels, m.Annotations = im.GetLabels(), im.GetAnnotations()
	m.OwnerReferences, m.Finalizers = im.GetOwnerReferences(), im.GetFinalizers()
	if !bytes.Equal(old.Body, in.GetBody()) {
		m.Generation++
	}
	obj.Body = in.GetBody()
	m.ResourceVersion = a.index
	if m.DeletionTimestamp != 0 && a.removable(t, obj) {
		a.remove(t.key, obj, old)
		a.reap(t)
		return obj, nil
	}
	a.store(t.key, obj)
	a.emit(pb.EventType_MODIFIED, obj, old)
	return obj, nil
}

// applyUpdateStatus replaces the status only.
func (a *applier) applyUpdateStatus(op *pb.Op) (*pb.Object, error) {
	t, old, err := a.existing(op)
	if err != nil {
		return nil, err
	}
	obj := cloneWithout(old, &old.Status)
	obj.Status = op.GetObject().GetStatus()
	obj.Metadata.ResourceVersion = a.index
	a.store(t.key, obj)
	a.emit(pb.EventType_MODIFIED, obj, old)
	return obj, nil
}

// applyCompact drops history at or below the requested revision.
func (a *applier) applyCompact(op *pb.Op) {
	rev := min(op.GetCompactRevision(), a.index)
	if rev <= getUint64(a.meta, keyCompacted) {
		return
	}
	a.removed += uint64(deleteThrough(a.history, rev, nil))
	a.forgetThrough(rev)
	a.putUint64(a.meta, keyCompacted, rev)
}

// finish writes the transaction's change to the retained event count; call
// it once, before commit.
func (a *applier) finish() {
	if a.written == a.removed {
		return
	}
	n := getUint64(a.meta, keyEvents) + a.written
	if a.removed > n {
		panic(fmt.Sprintf("raftstore: history event count underflow: %d retained, %d removed", n, a.removed))
	}
	a.putUint64(a.meta, keyEvents, n-a.removed)
	a.written, a.removed = 0, 0
}

// applySetMember records a peer's API address and, when given, the
// instance of it seen holding data.
func (a *applier) applySetMember(op *pb.Op) error {
	if op.GetMemberId() == "" {
		return errorf(ErrInvalidCommand, "set member: empty member id")
	}
	if op.GetMemberApiAddr() != "" || op.GetMemberInstance() == "" {
		must(a.members.Put([]byte(op.GetMemberId()), []byte(op.GetMemberApiAddr())))
	}
	if op.GetMemberInstance() != "" {
		must(a.instances.Put([]byte(op.GetMemberId()), []byte(op.GetMemberInstance())))
	}
	return nil
}

// must panics on a bbolt write error: inputs are validated before writing,
// so an error here means the store itself is broken.
func must(err error) {
	if err != nil {
		panic(fmt.Sprintf("raftstore: bbolt write failed: %v", err))
	}
}

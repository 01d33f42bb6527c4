package raftstore

import (
	"encoding/binary"
	"fmt"

	pb "github.com/drover/drover/proto/droverpb"
	"go.etcd.io/bbolt"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// target is the resolved identity of the object an op names.
type target struct {
	info      *pb.KindInfo
	ns, name  string
	key       []byte
	namespace bool // the target is a Namespace object
}

// target resolves an op's object to its kind and key.
func (a *applier) target(o *pb.Object) (target, error) {
	info, ok := lookupKind(o.GetKind())
	if !ok {
		return target{}, errorf(ErrInvalidCommand, "unknown kind %q", o.GetKind())
	}
	m := o.GetMetadata()
	if m.GetName() == "" {
		return target{}, errorf(ErrInvalidCommand, "%s: empty name", info.Plural)
	}
	if len(info.Kind)+len(m.GetNamespace())+len(m.GetName())+2 > bbolt.MaxKeySize {
		return target{}, errorf(ErrInvalidCommand, "%s %q: name too long", info.Plural, m.GetName())
	}
	ns := m.GetNamespace()
	if !info.Namespaced {
		ns = ""
	}
	return target{
		info: info, ns: ns, name: m.GetName(),
		key:       a.key(info.Kind, ns, m.GetName()),
		namespace: info.Kind == kindNamespace,
	}, nil
}

// existing resolves an op's target, loads it and checks preconditions.
func (a *applier) existing(op *pb.Op) (target, *pb.Object, error) {
	t, err := a.target(op.GetObject())
	if err != nil {
		return t, nil, err
	}
	old := a.load(t.key)
	if old == nil {
		return t, nil, errorf(ErrNotFound, "%s %q not found", t.info.Plural, t.name)
	}
	return t, old, checkPreconditions(t, old, op)
}

// checkPreconditions checks the op's preconditions and the incoming object's
// resourceVersion and uid; zero values are not checked.
func checkPreconditions(t target, cur *pb.Object, op *pb.Op) error {
	m, in, p := cur.GetMetadata(), op.GetObject().GetMetadata(), op.GetPreconditions()
	for _, rv := range [2]uint64{p.GetResourceVersion(), in.GetResourceVersion()} {
		if rv != 0 && rv != m.GetResourceVersion() {
			return errorf(ErrConflict, "Operation cannot be fulfilled on %s %q: the object has been modified; expected resourceVersion %d, current %d",
				t.info.Plural, t.name, rv, m.GetResourceVersion())
		}
	}
	for _, uid := range [2]string{p.GetUid(), in.GetUid()} {
		if uid != "" && uid != m.GetUid() {
			return errorf(ErrConflict, "Operation cannot be fulfilled on %s %q: precondition failed: UID in precondition: %s, UID in object meta: %s (current resourceVersion %d)",
				t.info.Plural, t.name, uid, m.GetUid(), m.GetResourceVersion())
		}
	}
	return nil
}

// checkNamespace fails unless namespace ns exists and is not terminating.
// The answer is remembered for the rest of the transaction: a batch
// usually writes many objects into few namespaces. Any write to a
// Namespace object forgets it (store, remove).
func (a *applier) checkNamespace(ns string) error {
	if err, ok := a.namespaces[ns]; ok {
		return err
	}
	var err error
	switch nsObj := a.load(a.key(kindNamespace, "", ns)); {
	case nsObj == nil:
		err = errorf(ErrNamespaceNotFound, "namespaces %q not found", ns)
	case nsObj.GetMetadata().GetDeletionTimestamp() != 0:
		err = errorf(ErrNamespaceTerminating, "unable to create new content in namespace %s because it is being terminated", ns)
	}
	if a.namespaces == nil {
		a.namespaces = map[string]error{}
	}
	a.namespaces[ns] = err
	return err
}

// forgetNamespaces drops what checkNamespace remembered, after a write to
// an object of kind.
func (a *applier) forgetNamespaces(kind string) {
	if kind == kindNamespace {
		a.namespaces = nil
	}
}

// load returns the stored object under key, or nil. It remembers the
// object's stored bytes so that an event with it as prev copies them
// instead of encoding it again (emit).
func (a *applier) load(key []byte) *pb.Object {
	v := a.objects.Get(key)
	if v == nil {
		return nil
	}
	obj := decodeObject(v)
	a.loaded, a.loadedBytes = obj, v
	return obj
}

// store writes obj under key.
func (a *applier) store(key []byte, obj *pb.Object) {
	a.forgetNamespaces(obj.GetKind())
	must(a.objects.Put(key, a.marshal(obj)))
}

// emit appends an event at the current revision to the history and to the
// events published after commit.
func (a *applier) emit(typ pb.EventType, obj, prev *pb.Object) {
	ev := &pb.Event{Type: typ, Object: obj, Prev: prev, Revision: a.index, Timestamp: a.ts}
	a.reserve(historyKeyLen)
	start := len(a.buf)
	a.buf = appendHistoryKey(a.buf, a.index, a.seq)
	k := a.buf[start:len(a.buf):len(a.buf)]
	a.seq++
	must(a.history.Put(k, a.encodeEvent(ev)))
	a.written++
	a.events = append(a.events, ev)
}

// encodeEvent encodes ev into the arena. When ev.Prev is the object load
// last returned, unchanged, its stored bytes (valid until commit) are
// appended as the prev field instead of encoding it again: a field may
// come in any order, so this decodes to the same event.
func (a *applier) encodeEvent(ev *pb.Event) []byte {
	if ev.Prev == nil || ev.Prev != a.loaded {
		return a.marshal(ev)
	}
	bare := &pb.Event{Type: ev.Type, Object: ev.Object, Revision: ev.Revision, Timestamp: ev.Timestamp}
	a.reserve(marshalOpts.Size(bare) + protowire.SizeTag(eventPrevField) + protowire.SizeBytes(len(a.loadedBytes)))
	start := len(a.buf)
	a.buf = appendMarshal(a.buf, bare)
	a.buf = protowire.AppendTag(a.buf, eventPrevField, protowire.BytesType)
	a.buf = protowire.AppendBytes(a.buf, a.loadedBytes)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// reserve makes room for n more bytes in the arena. A full chunk is left
// as it is (the keys and values in it stay valid until commit) and a new
// one started: growing it in place would copy every byte written so far,
// which made large catch-up batches spend much of their time in memmove.
func (a *applier) reserve(n int) {
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]byte, 0, max(arenaChunk, n))
	}
}

// key builds an object key in the arena.
func (a *applier) key(kind, ns, name string) []byte {
	a.reserve(len(kind) + len(ns) + len(name) + 2)
	start := len(a.buf)
	a.buf = appendObjectKey(a.buf, kind, ns, name)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// marshal encodes m deterministically into the arena.
func (a *applier) marshal(m proto.Message) []byte {
	a.reserve(marshalOpts.Size(m))
	start := len(a.buf)
	a.buf = appendMarshal(a.buf, m)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// appendMarshal appends m's deterministic encoding to b, reusing the
// sizes marshalOpts.Size(m) just cached in m.
func appendMarshal(b []byte, m proto.Message) []byte {
	b, err := sizedMarshalOpts.MarshalAppend(b, m)
	if err != nil {
		panic(fmt.Sprintf("raftstore: marshal: %v", err))
	}
	return b
}

// putUint64 writes a big-endian counter.
func (a *applier) putUint64(b *bbolt.Bucket, key []byte, v uint64) {
	a.reserve(8)
	start := len(a.buf)
	a.buf = binary.BigEndian.AppendUint64(a.buf, v)
	must(b.Put(key, a.buf[start:len(a.buf):len(a.buf)]))
}

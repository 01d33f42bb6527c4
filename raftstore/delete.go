package raftstore

import (
	"bytes"

	pb "github.com/drover/drover/proto/droverpb"
)

// applyDelete removes an object, or marks it for deletion while it has
// finalizers. Deleting a namespace cascades to everything in it.
func (a *applier) applyDelete(op *pb.Op) (*pb.Object, error) {
	t, old, err := a.existing(op)
	if err != nil {
		return nil, err
	}
	if t.namespace {
		a.cascade(t.name)
	}
	obj, removed := a.deleteOne(t, old)
	if removed {
		a.reap(t)
	}
	return obj, nil
}

// deleteOne gives one object the delete treatment and reports whether it was
// removed. An object already marked for deletion is left as it is.
func (a *applier) deleteOne(t target, old *pb.Object) (*pb.Object, bool) {
	obj := cloneObject(old)
	obj.Metadata.ResourceVersion = a.index
	if a.removable(t, obj) {
		a.remove(t.key, obj, old)
		return obj, true
	}
	if old.GetMetadata().GetDeletionTimestamp() != 0 {
		return old, false
	}
	obj.Metadata.DeletionTimestamp = a.ts
	a.store(t.key, obj)
	a.emit(pb.EventType_MODIFIED, obj, old)
	return obj, false
}

// removable reports whether obj may leave the store now: no finalizers, and
// for a namespace, nothing left in it.
func (a *applier) removable(t target, obj *pb.Object) bool {
	if len(obj.GetMetadata().GetFinalizers()) > 0 {
		return false
	}
	return !t.namespace || a.namespaceEmpty(t.name)
}

// remove deletes the object under key; the DELETED event carries its last
// state at the deleting revision and, as prev, the state to restore on undo.
func (a *applier) remove(key []byte, obj, prev *pb.Object) {
	a.forgetNamespaces(obj.GetKind())
	must(a.objects.Delete(key))
	a.emit(pb.EventType_DELETED, obj, prev)
}

// cascade gives every object in namespace ns the delete treatment, in key
// order.
func (a *applier) cascade(ns string) {
	for _, kind := range namespacedKinds {
		for _, old := range a.objectsWithPrefix(listPrefix(kind, ns)) {
			m := old.GetMetadata()
			info, _ := lookupKind(kind)
			t := target{info: info, ns: ns, name: m.GetName(), key: a.key(kind, ns, m.GetName())}
			a.deleteOne(t, old)
		}
	}
}

// objectsWithPrefix decodes every object under prefix.
func (a *applier) objectsWithPrefix(prefix []byte) []*pb.Object {
	var out []*pb.Object
	c := a.objects.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		out = append(out, decodeObject(v))
	}
	return out
}

// reap removes the namespace of a just-removed object once it is
// terminating, has no finalizers and is empty.
func (a *applier) reap(t target) {
	if !t.info.Namespaced || t.ns == "" {
		return
	}
	info, _ := lookupKind(kindNamespace)
	nt := target{info: info, name: t.ns, key: a.key(kindNamespace, "", t.ns), namespace: true}
	old := a.load(nt.key)
	if old == nil || old.GetMetadata().GetDeletionTimestamp() == 0 {
		return
	}
	obj := cloneObject(old)
	obj.Metadata.ResourceVersion = a.index
	if a.removable(nt, obj) {
		a.remove(nt.key, obj, old)
	}
}

// namespaceEmpty reports whether no namespaced object lives in ns.
func (a *applier) namespaceEmpty(ns string) bool {
	c := a.objects.Cursor()
	for _, kind := range namespacedKinds {
		p := listPrefix(kind, ns)
		if k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p) {
			return false
		}
	}
	return true
}

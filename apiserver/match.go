package apiserver

import pb "github.com/drover/drover/proto/droverpb"

// match decides whether and how an event reaches a watch. With a selector,
// an object that starts matching arrives as ADDED and one that stops
// matching as DELETED, as Kubernetes' watch cache does.
func (w *watcher) match(ev *pb.Event) (pb.EventType, *pb.Object, bool) {
	obj := ev.Object
	if obj.GetKind() != w.kind {
		return 0, nil, false
	}
	if ns := w.namespace; ns != "" && obj.GetMetadata().GetNamespace() != ns {
		return 0, nil, false
	}
	if w.filter == nil {
		return ev.Type, obj, true
	}
	if ev.Type == pb.EventType_DELETED && ev.Prev != nil {
		// The watch knows the object as last stored, prev: an Update that
		// removes the last finalizer may change its labels as it goes.
		return ev.Type, obj, w.filter(ev.Prev)
	}
	now := w.filter(obj)
	if ev.Type != pb.EventType_MODIFIED || ev.Prev == nil {
		return ev.Type, obj, now
	}
	before := w.filter(ev.Prev)
	switch {
	case now && before:
		return pb.EventType_MODIFIED, obj, true
	case now:
		return pb.EventType_ADDED, obj, true
	case before:
		return pb.EventType_DELETED, obj, true
	}
	return 0, nil, false
}

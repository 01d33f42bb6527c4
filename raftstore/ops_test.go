package raftstore

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
)

func TestCreate(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("default")))
	tests := []struct {
		name    string
		obj     *pb.Object
		wantErr error
		wantMsg string
	}{
		{"ok", obj("Pod", "default", "a", `{"x":1}`), nil, ""},
		{"exists", obj("Pod", "default", "a", `{}`), ErrAlreadyExists, `pods "a" already exists`},
		{"no namespace", obj("Pod", "nope", "a", `{}`), ErrNamespaceNotFound, `namespaces "nope" not found`},
		{"cluster scoped", obj("Node", "", "n1", `{}`), nil, ""},
		{"unknown kind", obj("Widget", "default", "w", `{}`), ErrInvalidCommand, `unknown kind "Widget"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			index := s.next
			r := s.one(create(tt.obj))
			if !errors.Is(r.Err, tt.wantErr) || (tt.wantErr == nil) != (r.Err == nil) {
				t.Fatalf("err = %v, want %v", r.Err, tt.wantErr)
			}
			if r.Err != nil {
				if r.Err.Error() != tt.wantMsg {
					t.Fatalf("message = %q, want %q", r.Err, tt.wantMsg)
				}
				return
			}
			m := r.Object.Metadata
			if m.ResourceVersion != index || m.Generation != 1 || m.Uid != tt.obj.Metadata.Uid {
				t.Fatalf("stored meta = %v", m)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("default")))
	created := s.ok(create(obj("Pod", "default", "a", `{"v":1}`)))
	st := obj("Pod", "default", "a", "")
	st.Status = []byte(`{"phase":"Running"}`)
	s.ok(status(st))

	// Same body: generation unchanged; status, uid, creation kept.
	in := obj("Pod", "default", "a", `{"v":1}`)
	in.Metadata.Labels = map[string]string{"tier": "web"}
	in.Metadata.Uid = ""
	got := s.ok(update(in))
	if got.Metadata.Generation != 1 || string(got.Status) != `{"phase":"Running"}` ||
		got.Metadata.Uid != created.Metadata.Uid || got.Metadata.Labels["tier"] != "web" {
		t.Fatalf("same-body update: %v", got)
	}
	// New body: generation+1.
	in = obj("Pod", "default", "a", `{"v":2}`)
	in.Metadata.ResourceVersion = got.Metadata.ResourceVersion
	got = s.ok(update(in))
	if got.Metadata.Generation != 2 || got.Metadata.ResourceVersion != s.next-1 {
		t.Fatalf("body update: %v", got.Metadata)
	}
	// Stale resourceVersion in the object or the preconditions: conflict naming current.
	cur := got.Metadata.ResourceVersion
	stale := obj("Pod", "default", "a", `{"v":3}`)
	stale.Metadata.ResourceVersion = cur - 1
	for _, op := range []*pb.Op{update(stale), status(stale), {Type: pb.OpType_UPDATE, Object: obj("Pod", "default", "a", ""), Preconditions: &pb.Preconditions{ResourceVersion: cur - 1}}} {
		r := s.one(op)
		want := `Operation cannot be fulfilled on pods "a": the object has been modified; expected resourceVersion ` +
			itoa(cur-1) + ", current " + itoa(cur)
		if !errors.Is(r.Err, ErrConflict) || r.Err.Error() != want {
			t.Fatalf("err = %v, want %s", r.Err, want)
		}
	}
	// UID precondition.
	r := s.one(&pb.Op{Type: pb.OpType_DELETE, Object: obj("Pod", "default", "a", ""), Preconditions: &pb.Preconditions{Uid: "other"}})
	if !errors.Is(r.Err, ErrConflict) || !strings.Contains(r.Err.Error(), "UID in precondition: other") {
		t.Fatalf("uid precondition: %v", r.Err)
	}
	// Missing object.
	if r := s.one(update(obj("Pod", "default", "zz", ""))); !errors.Is(r.Err, ErrNotFound) || r.Err.Error() != `pods "zz" not found` {
		t.Fatalf("missing: %v", r.Err)
	}
}

func TestUpdateStatus(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("default")))
	s.ok(create(obj("Pod", "default", "a", `{"v":1}`)))
	in := obj("Pod", "default", "a", `{"ignored":true}`)
	in.Status = []byte(`{"phase":"Pending"}`)
	in.Metadata.Labels = map[string]string{"ignored": "yes"}
	got := s.ok(status(in))
	if got.Metadata.Generation != 1 || string(got.Body) != `{"v":1}` || got.Metadata.Labels["ignored"] != "" ||
		string(got.Status) != `{"phase":"Pending"}` {
		t.Fatalf("status update: %v", got)
	}
	if ev := s.pub.events[len(s.pub.events)-1]; ev.Type != pb.EventType_MODIFIED || ev.Prev.Status != nil {
		t.Fatalf("event: %v", ev)
	}
}

func TestFinalizers(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("default")))
	s.ok(create(obj("Pod", "default", "a", `{}`, "example.com/block")))
	before := len(s.pub.events)

	tsIndex := s.next
	marked := s.ok(del("Pod", "default", "a"))
	if marked.Metadata.DeletionTimestamp != 1000+int64(tsIndex) || marked.Metadata.ResourceVersion != tsIndex {
		t.Fatalf("marked: %v", marked.Metadata)
	}
	again := s.ok(del("Pod", "default", "a"))
	if again.Metadata.ResourceVersion != tsIndex {
		t.Fatalf("second delete changed the object: %v", again.Metadata)
	}
	// Removing the finalizer deletes it; deletion timestamp is kept from the store.
	in := obj("Pod", "default", "a", `{}`)
	gone := s.ok(update(in))
	if _, err := s.Get("Pod", "default", "a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after finalizer removal: %v", err)
	}
	want := "MODIFIED Pod/default/a@" + itoa(tsIndex) + "\nDELETED Pod/default/a@" + itoa(s.next-1) + "\n"
	if got := summary(s.pub.events[before:]); got != want {
		t.Fatalf("events:\n%s\nwant:\n%s", got, want)
	}
	if gone.Metadata.ResourceVersion != s.next-1 {
		t.Fatalf("deleted object rv = %d", gone.Metadata.ResourceVersion)
	}
}

func TestNamespaceCascade(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("app")))
	s.ok(create(nsObj("empty")))
	s.ok(create(obj("Pod", "app", "a", `{}`)))
	s.ok(create(obj("Pod", "app", "b", `{}`, "keep")))
	s.ok(create(obj("ConfigMap", "app", "c", `{}`)))
	before := len(s.pub.events)

	r := s.ok(del("Namespace", "", "app"))
	rev := itoa(s.next - 1)
	want := "DELETED ConfigMap/app/c@" + rev + "\nDELETED Pod/app/a@" + rev + "\nMODIFIED Pod/app/b@" + rev +
		"\nMODIFIED Namespace//app@" + rev + "\n"
	if got := summary(s.pub.events[before:]); got != want {
		t.Fatalf("cascade events:\n%s\nwant:\n%s", got, want)
	}
	if r.Metadata.DeletionTimestamp == 0 {
		t.Fatal("namespace not terminating")
	}
	if res := s.one(create(obj("Pod", "app", "d", `{}`))); !errors.Is(res.Err, ErrNamespaceTerminating) {
		t.Fatalf("create into terminating: %v", res.Err)
	}
	// Releasing the last object removes the namespace in the same entry.
	before = len(s.pub.events)
	s.ok(update(obj("Pod", "app", "b", `{}`)))
	rev = itoa(s.next - 1)
	want = "DELETED Pod/app/b@" + rev + "\nDELETED Namespace//app@" + rev + "\n"
	if got := summary(s.pub.events[before:]); got != want {
		t.Fatalf("reap events:\n%s\nwant:\n%s", got, want)
	}
	// An empty namespace goes at once.
	s.ok(del("Namespace", "", "empty"))
	if _, err := s.Get("Namespace", "", "empty"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty namespace: %v", err)
	}
	if res := s.one(create(obj("Pod", "app", "d", `{}`))); !errors.Is(res.Err, ErrNamespaceNotFound) {
		t.Fatalf("create into deleted namespace: %v", res.Err)
	}
}

func TestMembersAndSkippedTypes(t *testing.T) {
	s := newStore(t)
	s.apply(1, &pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "n1", MemberApiAddr: "10.0.0.1:7000"},
		&pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "n2", MemberApiAddr: "10.0.0.2:7000"})
	m, err := s.Members()
	if err != nil || len(m) != 2 || m["n2"] != "10.0.0.2:7000" {
		t.Fatalf("members = %v, %v", m, err)
	}
	resp := s.ApplyBatch(configEntries(s.next))
	if resp[0] != nil || s.AppliedIndex() != s.next {
		t.Fatalf("configuration entry: resp %v applied %d", resp[0], s.AppliedIndex())
	}
	if s.pub.calls != 2 || s.pub.applied != s.next {
		t.Fatalf("publish calls = %d applied %d", s.pub.calls, s.pub.applied)
	}
}

// A SET_MEMBER with only an instance records it and leaves the API
// address alone; a later instance replaces the earlier.
func TestMemberInstances(t *testing.T) {
	s := newStore(t)
	s.apply(1, &pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "n1", MemberApiAddr: "10.0.0.1:7000"},
		&pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "n1", MemberInstance: "first"})
	s.apply(2, &pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "n1", MemberInstance: "second"})
	m, err := s.Members()
	if err != nil || m["n1"] != "10.0.0.1:7000" {
		t.Fatalf("members = %v, %v", m, err)
	}
	inst, err := s.MemberInstances()
	if err != nil || len(inst) != 1 || inst["n1"] != "second" {
		t.Fatalf("instances = %v, %v", inst, err)
	}
}

func TestClusterScopedIgnoresNamespace(t *testing.T) {
	s := newStore(t)
	got := s.ok(create(obj("node", "stray", "n1", `{}`)))
	if got.Kind != "Node" || got.Metadata.Namespace != "" {
		t.Fatalf("stored %s/%q", got.Kind, got.Metadata.Namespace)
	}
	if _, err := s.Get("nodes", "anything", "n1"); err != nil {
		t.Fatal(err)
	}
}

func FuzzDecodeCommand(f *testing.F) {
	b, _ := EncodeCommand(&pb.Command{Ops: []*pb.Op{create(nsObj("a"))}, Timestamp: 1})
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		cmd, err := DecodeCommand(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidCommand) {
				t.Fatalf("error %v does not wrap ErrInvalidCommand", err)
			}
			return
		}
		if _, err := EncodeCommand(cmd); err != nil {
			t.Fatal(err)
		}
	})
}

// Namespace checks within one transaction see the namespace writes made
// earlier in it: created, then terminating, then gone.
func TestNamespaceChecksFollowWritesInOneEntry(t *testing.T) {
	s := newStore(t)
	res := s.apply(1000,
		create(obj("ConfigMap", "x", "before", `{}`)),
		create(nsObj("x")),
		create(obj("ConfigMap", "x", "a", `{}`, "keep")),
		del("Namespace", "", "x"),
		create(obj("ConfigMap", "x", "b", `{}`)),
		create(nsObj("y")),
		del("Namespace", "", "y"),
		create(obj("ConfigMap", "y", "c", `{}`)),
	)
	want := []error{ErrNamespaceNotFound, nil, nil, nil, ErrNamespaceTerminating, nil, nil, ErrNamespaceNotFound}
	for i, w := range want {
		if (w == nil) != (res[i].Err == nil) || (w != nil && !errors.Is(res[i].Err, w)) {
			t.Errorf("op %d: %v, want %v", i, res[i].Err, w)
		}
	}
}

// An event whose prev is the object just loaded carries prev's stored
// bytes instead of a fresh encoding; read back, it is the same event as
// one encoded whole, and it equals what was published.
func TestEventPrevFromStoredBytes(t *testing.T) {
	if n := (&pb.Event{}).ProtoReflect().Descriptor().Fields().ByName("prev").Number(); n != eventPrevField {
		t.Fatalf("eventPrevField is %d, the schema says %d", eventPrevField, n)
	}
	s := newStore(t)
	s.ok(create(nsObj("default")))
	before := s.ok(create(obj("ConfigMap", "default", "c", `{"data":{"a":"1"}}`)))
	stored, err := s.Get("ConfigMap", "default", "c")
	if err != nil {
		t.Fatal(err)
	}
	s.ok(update(obj("ConfigMap", "default", "c", `{"data":{"a":"2"}}`)))
	s.ok(status(obj("ConfigMap", "default", "c", ``)))
	s.ok(del("ConfigMap", "default", "c"))
	events, _, err := s.Events(before.Metadata.ResourceVersion, 10)
	if err != nil {
		t.Fatal(err)
	}
	published := s.pub.events[len(s.pub.events)-len(events):]
	if len(events) != 3 {
		t.Fatalf("%d events after the create, want 3", len(events))
	}
	if !proto.Equal(events[0].Prev, stored) {
		t.Fatalf("MODIFIED prev from history:\n%v\nwant the stored object:\n%v", events[0].Prev, stored)
	}
	for i, ev := range events {
		whole, err := proto.Marshal(published[i])
		if err != nil {
			t.Fatal(err)
		}
		var back pb.Event
		if err := proto.Unmarshal(whole, &back); err != nil || !proto.Equal(&back, ev) {
			t.Fatalf("event %d from history differs from the published one:\n%v\n%v", i, ev, published[i])
		}
	}
}

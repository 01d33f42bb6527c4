package apiserver

import (
	"regexp"
	"testing"

	"google.golang.org/grpc/codes"

	pb "github.com/drover/drover/proto/droverpb"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestCreateStampsServerFields(t *testing.T) {
	n := startNode(t, nodeOptions{})
	in := configMap("", "cfg", "v", "app=web")
	in.Metadata.Uid = "client-uid"
	in.Metadata.CreationTimestamp = 42
	in.Metadata.DeletionTimestamp = 43
	in.Metadata.Generation = 7
	out := n.create(in)
	m := out.Metadata
	if !uuidV4.MatchString(m.Uid) {
		t.Errorf("uid %q is not a v4 UUID", m.Uid)
	}
	if m.CreationTimestamp != testNow.UnixNano() || m.DeletionTimestamp != 0 || m.Generation != 1 {
		t.Errorf("stamps: creation %d deletion %d generation %d", m.CreationTimestamp, m.DeletionTimestamp, m.Generation)
	}
	if m.Namespace != "default" || m.ResourceVersion != n.fsm.AppliedIndex() {
		t.Errorf("namespace %q resourceVersion %d (applied %d)", m.Namespace, m.ResourceVersion, n.fsm.AppliedIndex())
	}
	got, err := n.cli.Get(testCtx(t), &pb.GetRequest{Kind: "configmaps", Name: "cfg"})
	if err != nil || got.Metadata.Uid != m.Uid || got.Metadata.Labels["app"] != "web" {
		t.Fatalf("get after create: %v, %v", got, err)
	}
	if again := n.create(configMap("", "cfg2", "v")); again.Metadata.Uid == m.Uid {
		t.Errorf("two creates share uid %q", m.Uid)
	}
}

func TestCreateGenerateName(t *testing.T) {
	n := startNode(t, nodeOptions{})
	re := regexp.MustCompile(`^web-[` + suffixAlphabet + `]{5}$`)
	seen := map[string]bool{}
	for range 3 {
		in := configMap("default", "", "v")
		in.Metadata.GenerateName = "web-"
		name := n.create(in).Metadata.Name
		if !re.MatchString(name) || seen[name] {
			t.Fatalf("generated name %q (seen %v)", name, seen)
		}
		seen[name] = true
	}
	// A name given alongside generateName wins.
	in := configMap("default", "fixed", "v")
	in.Metadata.GenerateName = "web-"
	if got := n.create(in).Metadata.Name; got != "fixed" {
		t.Fatalf("name %q, want fixed", got)
	}
}

func TestCreateRejects(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.create(configMap("default", "taken", "v"))
	badVersion := configMap("default", "x", "v")
	badVersion.ApiVersion = "apps/v1"
	withRV := configMap("default", "x", "v")
	withRV.Metadata.ResourceVersion = 5
	unknownField := configMap("default", "x", "v")
	unknownField.Body = []byte(`{"data":{"k":"v"},"bogus":1}`)
	cases := []struct {
		name string
		obj  *pb.Object
		code codes.Code
		msg  string
	}{
		{"no metadata", &pb.Object{ApiVersion: "v1", Kind: "ConfigMap"}, codes.InvalidArgument, "metadata"},
		{"unknown kind", &pb.Object{Kind: "Gizmo", Metadata: &pb.ObjectMeta{Name: "x"}}, codes.InvalidArgument, "Gizmo"},
		{"bad name", configMap("default", "Bad_Name", "v"), codes.InvalidArgument, "Bad_Name"},
		{"no name", configMap("default", "", "v"), codes.InvalidArgument, "name"},
		{"wrong apiVersion", badVersion, codes.InvalidArgument, "apiVersion"},
		{"resourceVersion set", withRV, codes.InvalidArgument, "resourceVersion"},
		{"unknown field", unknownField, codes.InvalidArgument, "bogus"},
		{"bad pod", &pb.Object{ApiVersion: "v1", Kind: "Pod", Metadata: &pb.ObjectMeta{Name: "p"}, Body: []byte(`{"spec":{}}`)}, codes.InvalidArgument, "containers"},
		{"duplicate", configMap("default", "taken", "other"), codes.AlreadyExists, `"taken" already exists`},
		{"missing namespace", configMap("nowhere", "x", "v"), codes.NotFound, "nowhere"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := n.fsm.AppliedIndex()
			_, err := n.cli.Create(testCtx(t), &pb.CreateRequest{Object: c.obj})
			wantCode(t, err, c.code, c.msg)
			if c.code == codes.InvalidArgument && n.fsm.AppliedIndex() != before {
				t.Errorf("an invalid object was proposed")
			}
		})
	}
}

func TestUpdateStaleResourceVersion(t *testing.T) {
	n := startNode(t, nodeOptions{})
	v1 := n.create(configMap("default", "cfg", "1"))
	v2 := n.update(configMap("default", "cfg", "2"))
	stale := configMap("default", "cfg", "3")
	stale.Metadata.ResourceVersion = v1.Metadata.ResourceVersion
	_, err := n.cli.Update(testCtx(t), &pb.UpdateRequest{Object: stale})
	wantCode(t, err, codes.Aborted, "the object has been modified",
		"expected resourceVersion "+itoa(v1.Metadata.ResourceVersion), "current "+itoa(v2.Metadata.ResourceVersion))
	_, err = n.cli.UpdateStatus(testCtx(t), &pb.UpdateRequest{Object: stale})
	wantCode(t, err, codes.Aborted, "current "+itoa(v2.Metadata.ResourceVersion))
	// The current resourceVersion is accepted.
	stale.Metadata.ResourceVersion = v2.Metadata.ResourceVersion
	if v3 := n.update(stale); v3.Metadata.ResourceVersion <= v2.Metadata.ResourceVersion {
		t.Fatalf("resourceVersion did not advance: %d", v3.Metadata.ResourceVersion)
	}
	_, err = n.cli.Update(testCtx(t), &pb.UpdateRequest{Object: configMap("default", "absent", "x")})
	wantCode(t, err, codes.NotFound, `"absent" not found`)
}

func TestUpdateUnconditionalRetriesConflicts(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.create(configMap("default", "cfg", "1"))
	// One concurrent writer slips in between the server's read and its
	// proposal: the server must read again and win on the second attempt.
	slipInStatusWrites(n, "cfg", 1)
	before := n.raft.proposals.Load()
	out := n.update(configMap("default", "cfg", "mine"))
	if got := n.raft.proposals.Load() - before; got != 2 {
		t.Errorf("%d proposals, want 2", got)
	}
	if string(out.Body) != `{"data":{"k":"mine"}}` || out.Metadata.ResourceVersion != n.fsm.AppliedIndex() {
		t.Errorf("update result %s at %d", out.Body, out.Metadata.ResourceVersion)
	}
	// A writer that always wins exhausts the attempts: Aborted.
	n.raft.setInterpose(func() *pb.Command {
		return &pb.Command{Ops: []*pb.Op{{Type: pb.OpType_UPDATE_STATUS, Object: configMap("default", "cfg", "x")}}}
	})
	before = n.raft.proposals.Load()
	_, err := n.cli.Update(testCtx(t), &pb.UpdateRequest{Object: configMap("default", "cfg", "lost")})
	wantCode(t, err, codes.Aborted)
	if got := n.raft.proposals.Load() - before; got != maxUpdateAttempts {
		t.Errorf("%d proposals, want %d", got, maxUpdateAttempts)
	}
}

func TestUpdateStatusAndGeneration(t *testing.T) {
	n := startNode(t, nodeOptions{})
	p := n.create(pod("p", ""))
	// UpdateStatus ignores changes to labels and spec.
	in := pod("p", "node-9")
	in.Metadata.Labels = map[string]string{"x": "y"}
	in.Status = []byte(`{"phase":"Running"}`)
	s, err := n.cli.UpdateStatus(testCtx(t), &pb.UpdateRequest{Object: in})
	if err != nil {
		t.Fatal(err)
	}
	if string(s.Body) != string(p.Body) || len(s.Metadata.Labels) != 0 || s.Metadata.Generation != 1 {
		t.Errorf("UpdateStatus changed more than status: body %s labels %v generation %d", s.Body, s.Metadata.Labels, s.Metadata.Generation)
	}
	if !regexp.MustCompile(`"phase":"Running"`).Match(s.Status) {
		t.Errorf("status %s", s.Status)
	}
	_, err = n.cli.UpdateStatus(testCtx(t), &pb.UpdateRequest{Object: &pb.Object{ApiVersion: "v1", Kind: "Pod",
		Metadata: &pb.ObjectMeta{Name: "p"}, Status: []byte(`{"phase":"Sleeping"}`)}})
	wantCode(t, err, codes.InvalidArgument, "Sleeping")

	// Generation bumps on a spec change only; status survives Update.
	cm := n.create(configMap("default", "cfg", "1"))
	labelled := n.update(configMap("default", "cfg", "1", "team=a"))
	if labelled.Metadata.Generation != 1 || labelled.Metadata.ResourceVersion <= cm.Metadata.ResourceVersion {
		t.Errorf("label change: generation %d rv %d", labelled.Metadata.Generation, labelled.Metadata.ResourceVersion)
	}
	if g := n.update(configMap("default", "cfg", "2", "team=a")).Metadata.Generation; g != 2 {
		t.Errorf("data change: generation %d, want 2", g)
	}
	img := pod("p", "")
	img.Body = []byte(`{"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}`)
	up := n.update(img)
	if up.Metadata.Generation != 2 || string(up.Status) != string(s.Status) {
		t.Errorf("image change: generation %d status %s", up.Metadata.Generation, up.Status)
	}
}

func TestDeleteWithFinalizers(t *testing.T) {
	n := startNode(t, nodeOptions{})
	in := configMap("default", "cfg", "v")
	in.Metadata.Finalizers = []string{"example.com/keep"}
	created := n.create(in)
	_, err := n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "ConfigMap", Name: "cfg", Uid: "wrong"})
	wantCode(t, err, codes.Aborted, "UID")
	marked, err := n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "cm", Name: "cfg", Uid: created.Metadata.Uid})
	if err != nil {
		t.Fatal(err)
	}
	if marked.Metadata.DeletionTimestamp != testNow.UnixNano() {
		t.Fatalf("deletionTimestamp %d", marked.Metadata.DeletionTimestamp)
	}
	got, err := n.cli.Get(testCtx(t), &pb.GetRequest{Kind: "ConfigMap", Namespace: "default", Name: "cfg"})
	if err != nil || got.Metadata.DeletionTimestamp == 0 {
		t.Fatalf("object marked for deletion: %v, %v", got, err)
	}
	// Removing the last finalizer removes the object.
	n.update(configMap("default", "cfg", "v"))
	_, err = n.cli.Get(testCtx(t), &pb.GetRequest{Kind: "ConfigMap", Name: "cfg"})
	wantCode(t, err, codes.NotFound)

	n.create(configMap("default", "plain", "v"))
	if _, err := n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "ConfigMap", Name: "plain"}); err != nil {
		t.Fatal(err)
	}
	_, err = n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "ConfigMap", Name: "plain"})
	wantCode(t, err, codes.NotFound, `"plain" not found`)
	_, err = n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "Gizmo", Name: "plain"})
	wantCode(t, err, codes.InvalidArgument)
}

// slipInStatusWrites makes the next count proposals each preceded by a
// concurrent status update of ConfigMap default/name, so that the server's
// read-check-propose loop loses that many races.
func slipInStatusWrites(n *node, name string, count int) {
	n.raft.setInterpose(func() *pb.Command {
		if count == 0 {
			return nil
		}
		count--
		return &pb.Command{Ops: []*pb.Op{{Type: pb.OpType_UPDATE_STATUS, Object: configMap("default", name, "x")}}}
	})
}

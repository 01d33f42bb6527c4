package apiserver

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/drover/drover/proto/droverpb"
)

// names renders objects as their comma-separated names.
func names(items []*pb.Object) string {
	var out []string
	for _, o := range items {
		out = append(out, o.Metadata.Name)
	}
	return strings.Join(out, ",")
}

// list calls List and fails the test on error.
func (n *node) list(req *pb.ListRequest) *pb.ListResponse {
	n.t.Helper()
	res, err := n.cli.List(testCtx(n.t), req)
	if err != nil {
		n.t.Fatalf("list %v: %v", req, err)
	}
	return res
}

func TestListSelectors(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.mustApply(&pb.Op{Type: pb.OpType_CREATE, Object: &pb.Object{ApiVersion: "v1", Kind: "Namespace", Metadata: &pb.ObjectMeta{Name: "other"}}})
	n.create(configMap("default", "a", "v", "app=web", "tier=front"))
	n.create(configMap("default", "b", "v", "app=web", "tier=back"))
	n.create(configMap("default", "c", "v", "app=db"))
	n.create(configMap("other", "d", "v", "app=web"))
	n.create(pod("p1", "node-1"))
	n.create(pod("p2", "node-2"))
	cases := []struct {
		req  *pb.ListRequest
		want string
	}{
		{&pb.ListRequest{Kind: "configmaps"}, "a,b,c,d"},
		{&pb.ListRequest{Kind: "ConfigMap", Namespace: "default"}, "a,b,c"},
		{&pb.ListRequest{Kind: "cm", LabelSelector: "app=web"}, "a,b,d"},
		{&pb.ListRequest{Kind: "cm", LabelSelector: "app=web,tier!=back"}, "a,d"},
		{&pb.ListRequest{Kind: "cm", LabelSelector: "tier in (front,back)"}, "a,b"},
		{&pb.ListRequest{Kind: "cm", LabelSelector: "!tier"}, "c,d"},
		{&pb.ListRequest{Kind: "cm", FieldSelector: "metadata.name=b"}, "b"},
		{&pb.ListRequest{Kind: "cm", FieldSelector: "metadata.namespace!=default"}, "d"},
		{&pb.ListRequest{Kind: "cm", LabelSelector: "app=web", FieldSelector: "metadata.namespace=default"}, "a,b"},
		{&pb.ListRequest{Kind: "Pod", FieldSelector: "spec.nodeName=node-2"}, "p2"},
		{&pb.ListRequest{Kind: "cm", LabelSelector: "app=none"}, ""},
	}
	for _, c := range cases {
		if got := names(n.list(c.req).Items); got != c.want {
			t.Errorf("%v: got %q, want %q", c.req, got, c.want)
		}
	}
	for _, req := range []*pb.ListRequest{
		{Kind: "cm", LabelSelector: "app in (("},
		{Kind: "cm", FieldSelector: "spec.nodeName=x"},
		{Kind: "Gizmo"},
		{Kind: "cm", Limit: -1},
	} {
		_, err := n.cli.List(testCtx(t), req)
		wantCode(t, err, codes.InvalidArgument)
	}
}

func TestListPaginationPinsRevision(t *testing.T) {
	n := startNode(t, nodeOptions{})
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		n.create(configMap("default", name, "old"))
	}
	first := n.list(&pb.ListRequest{Kind: "cm", Limit: 2})
	if names(first.Items) != "a,b" || first.ContinueToken == "" || first.ResourceVersion != n.fsm.AppliedIndex() {
		t.Fatalf("first page %q token %q rv %d", names(first.Items), first.ContinueToken, first.ResourceVersion)
	}
	// Writes between pages: a new object sorting into the rest, a delete
	// and an update of objects not yet listed.
	n.create(configMap("default", "bb", "new"))
	if _, err := n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "cm", Name: "c"}); err != nil {
		t.Fatal(err)
	}
	n.update(configMap("default", "d", "new"))

	second := n.list(&pb.ListRequest{Kind: "cm", Limit: 2, ContinueToken: first.ContinueToken})
	third := n.list(&pb.ListRequest{Kind: "cm", Limit: 2, ContinueToken: second.ContinueToken})
	if got := names(second.Items) + "|" + names(third.Items); got != "c,d|e" || third.ContinueToken != "" {
		t.Fatalf("later pages %q, last token %q", got, third.ContinueToken)
	}
	for _, res := range []*pb.ListResponse{second, third} {
		if res.ResourceVersion != first.ResourceVersion {
			t.Errorf("page at revision %d, want %d", res.ResourceVersion, first.ResourceVersion)
		}
		for _, o := range res.Items {
			if string(o.Body) != `{"data":{"k":"old"}}` || o.Metadata.ResourceVersion > first.ResourceVersion {
				t.Errorf("%s listed as %s at rv %d", o.Metadata.Name, o.Body, o.Metadata.ResourceVersion)
			}
		}
	}
	// An exact resource_version reads the same past state; the latest
	// state has the changes.
	past := n.list(&pb.ListRequest{Kind: "cm", ResourceVersion: first.ResourceVersion})
	if names(past.Items) != "a,b,c,d,e" {
		t.Errorf("list at %d: %q", first.ResourceVersion, names(past.Items))
	}
	if got := names(n.list(&pb.ListRequest{Kind: "cm"}).Items); got != "a,b,bb,d,e" {
		t.Errorf("latest list %q", got)
	}
	// Pages with a selector count matching items only.
	sel := n.list(&pb.ListRequest{Kind: "cm", Limit: 1, FieldSelector: "metadata.name!=a"})
	if names(sel.Items) != "b" || sel.ContinueToken == "" {
		t.Errorf("selector page %q token %q", names(sel.Items), sel.ContinueToken)
	}
}

func TestListBadContinueToken(t *testing.T) {
	n := startNode(t, nodeOptions{})
	for _, tok := range []string{
		"%%%not-base64",
		base64.RawURLEncoding.EncodeToString([]byte{continueVersion, 0, 0}),          // too short
		base64.RawURLEncoding.EncodeToString(append([]byte{9}, make([]byte, 12)...)), // unknown version
	} {
		_, err := n.cli.List(testCtx(t), &pb.ListRequest{Kind: "cm", ContinueToken: tok})
		wantCode(t, err, codes.InvalidArgument, "malformed continue token")
	}
	rev, key, err := decodeContinue(encodeContinue(77, "ConfigMap/default/x"))
	if err != nil || rev != 77 || key != "ConfigMap/default/x" {
		t.Errorf("round trip: %d %q %v", rev, key, err)
	}
}

func TestListCompactedAndFutureRevisions(t *testing.T) {
	n := startNode(t, nodeOptions{})
	for _, name := range []string{"a", "b", "c"} {
		n.create(configMap("default", name, "v"))
	}
	first := n.list(&pb.ListRequest{Kind: "cm", Limit: 1})
	n.update(configMap("default", "b", "w"))
	n.compact(n.fsm.AppliedIndex())
	compacted := n.fsm.CompactedRevision()
	if compacted <= first.ResourceVersion {
		t.Fatalf("compacted %d, first page at %d", compacted, first.ResourceVersion)
	}
	_, err := n.cli.List(testCtx(t), &pb.ListRequest{Kind: "cm", ResourceVersion: compacted - 1})
	wantCode(t, err, codes.OutOfRange, "oldest retained revision "+itoa(compacted))
	_, err = n.cli.List(testCtx(t), &pb.ListRequest{Kind: "cm", ContinueToken: first.ContinueToken})
	wantCode(t, err, codes.OutOfRange)
	if got := names(n.list(&pb.ListRequest{Kind: "cm", ResourceVersion: compacted}).Items); got != "a,b,c" {
		t.Errorf("list at the compacted revision: %q", got)
	}
	// A future revision waits for it, up to the caller's deadline.
	c, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = n.cli.List(c, &pb.ListRequest{Kind: "cm", ResourceVersion: n.fsm.AppliedIndex() + 1})
	wantCode(t, err, codes.DeadlineExceeded)
	// ... and succeeds once the revision is applied.
	want := n.fsm.AppliedIndex() + 1
	done := make(chan *pb.ListResponse, 1)
	go func() {
		res, _ := n.cli.List(context.Background(), &pb.ListRequest{Kind: "cm", ResourceVersion: want})
		done <- res
	}()
	n.create(configMap("default", "d", "v"))
	if res := <-done; res == nil || !slices.ContainsFunc(res.Items, func(o *pb.Object) bool { return o.Metadata.Name == "d" }) {
		t.Errorf("list at a future revision: %v", res)
	}
}

package apiserver

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/drover/drover/proto/droverpb"
)

// testCtx is a context bounded well below the test timeout.
func testCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// configMap builds a ConfigMap in namespace ns ("" lets the server default
// it) with labels given as "k=v" pairs and the data key "k" set to value.
func configMap(ns, name, value string, labels ...string) *pb.Object {
	m := &pb.ObjectMeta{Name: name, Namespace: ns}
	for _, l := range labels {
		if m.Labels == nil {
			m.Labels = map[string]string{}
		}
		k, v, _ := strings.Cut(l, "=")
		m.Labels[k] = v
	}
	body, _ := json.Marshal(map[string]any{"data": map[string]string{"k": value}})
	return &pb.Object{ApiVersion: "v1", Kind: "ConfigMap", Metadata: m, Body: body}
}

// pod builds a Pod with one container in namespace "default".
func pod(name, nodeName string) *pb.Object {
	body := `{"spec":{"nodeName":"` + nodeName + `","containers":[{"name":"c","image":"nginx:1"}]}}`
	return &pb.Object{ApiVersion: "v1", Kind: "Pod", Body: []byte(body),
		Metadata: &pb.ObjectMeta{Name: name, Namespace: "default"}}
}

// wantCode fails unless err is a status with code and, if given, a message
// containing each of substrs.
func wantCode(t *testing.T, err error, code codes.Code, substrs ...string) {
	t.Helper()
	st, ok := status.FromError(err)
	if err == nil || !ok || st.Code() != code {
		t.Fatalf("got error %v, want code %v", err, code)
	}
	for _, s := range substrs {
		if !strings.Contains(st.Message(), s) {
			t.Fatalf("message %q does not contain %q", st.Message(), s)
		}
	}
}

// eventually polls cond until it holds or five seconds pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// itoa formats a revision for message checks.
func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

package validation

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
)

func withStatus(o *pb.Object, status string) *pb.Object {
	o = proto.Clone(o).(*pb.Object)
	o.Status = []byte(status)
	return o
}

func TestUpdateStatus(t *testing.T) {
	pod := newObj("Pod", goodPod)
	deploy := newObj("Deployment", controller(deploySpec, appLabels, podSpecOK))
	tests := []struct {
		name   string
		old    *pb.Object
		status string
		want   string // error substring; empty means accepted
	}{
		{"pod phase", pod, `{"phase":"Running","podIP":"10.1.0.4"}`, ""},
		{"pod bad phase", pod, `{"phase":"Sleeping"}`, "status.phase: Unsupported value: \"Sleeping\""},
		{"pod unknown field", pod, `{"phaze":"Running"}`, "status.phaze: unknown field"},
		{"pod malformed", pod, `{"phase":`, "status"},
		{"namespace phase", newObj("Namespace", ""), `{"phase":"Terminating"}`, ""},
		{"namespace bad phase", newObj("Namespace", ""), `{"phase":"Gone"}`, "status.phase"},
		{"node bad phase", newObj("Node", ""), `{"phase":"Up"}`, "status.phase"},
		{"deployment counts", deploy, `{"replicas":3,"readyReplicas":2}`, ""},
		{"deployment negative", deploy, `{"readyReplicas":-1}`, "status.readyReplicas"},
		{"job counts", newObj("Job", controller("", "{}", jobPodSpec)), `{"failed":-1}`, "status.failed"},
		{"configmap has none", newObj("ConfigMap", ""), `{}`, "status: Forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := stored(t, tt.old)
			obj := withStatus(old, tt.status)
			obj.Body = []byte(`{"ignored":true}`)
			obj.Metadata.Labels = map[string]string{"ignored": "yes"}
			out, err := UpdateStatus(obj, old)
			if tt.want != "" {
				if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("UpdateStatus error = %v, want ErrInvalid containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("UpdateStatus: %v", err)
			}
			if string(out.Body) != string(old.Body) || !proto.Equal(out.Metadata, old.Metadata) {
				t.Error("UpdateStatus did not keep the stored body and metadata")
			}
			if len(out.Status) == 0 {
				t.Error("status dropped")
			}
		})
	}
}

func TestUpdateStatusRejectsRename(t *testing.T) {
	old := stored(t, newObj("Pod", goodPod))
	obj := withStatus(old, `{"phase":"Running"}`)
	obj.Metadata.Name = "other"
	if _, err := UpdateStatus(obj, old); err == nil || !strings.Contains(err.Error(), "metadata.name") {
		t.Fatalf("err = %v, want metadata.name immutable", err)
	}
}

func TestStatusOnCreate(t *testing.T) {
	out, err := Create(newObj("Pod", goodPod, func(o *pb.Object) { o.Status = []byte(`{"phase":"Running"}`) }))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Status) != 0 {
		t.Errorf("status = %s, want it cleared on create", out.Status)
	}
	ns, err := Create(newObj("Namespace", ""))
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonAt(t, ns.Status, "phase"); got != "Active" {
		t.Errorf("namespace phase = %v, want Active", got)
	}
}

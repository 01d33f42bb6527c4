package validation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
)

// want is one expected value at a JSON path of the normalized body.
type want struct {
	path  []any
	value any
}

func at(value any, path ...any) want { return want{path: path, value: value} }

// TestManifestsCreate applies the Kubernetes documentation manifests
// unchanged and checks the defaults Create fills in.
func TestManifestsCreate(t *testing.T) {
	container := []any{"spec", "template", "spec", "containers", 0}
	tests := []struct {
		file  string
		wants []want
	}{
		{"nginx-deployment.yaml", []want{
			at(3.0, "spec", "replicas"),
			at("RollingUpdate", "spec", "strategy", "type"),
			at("25%", "spec", "strategy", "rollingUpdate", "maxSurge"),
			at("25%", "spec", "strategy", "rollingUpdate", "maxUnavailable"),
			at(10.0, "spec", "revisionHistoryLimit"),
			at(600.0, "spec", "progressDeadlineSeconds"),
			at("Always", "spec", "template", "spec", "restartPolicy"),
			at("ClusterFirst", "spec", "template", "spec", "dnsPolicy"),
			at("IfNotPresent", append(container, "imagePullPolicy")...),
			at("/dev/termination-log", append(container, "terminationMessagePath")...),
			at("File", append(container, "terminationMessagePolicy")...),
			at("TCP", append(container, "ports", 0, "protocol")...),
			at(80.0, append(container, "ports", 0, "containerPort")...),
		}},
		{"busybox-pod.yaml", []want{
			at("sleep", "spec", "containers", 0, "command", 0),
			at("IfNotPresent", "spec", "containers", 0, "imagePullPolicy"),
			at("ClusterFirst", "spec", "dnsPolicy"),
			at(30.0, "spec", "terminationGracePeriodSeconds"),
		}},
		{"pi-job.yaml", []want{
			at(4.0, "spec", "backoffLimit"),
			at(1.0, "spec", "completions"),
			at(1.0, "spec", "parallelism"),
			at(nil, "spec", "selector"),
			at("Never", "spec", "template", "spec", "restartPolicy"),
			at("print bpi(2000)", "spec", "template", "spec", "containers", 0, "command", 3),
		}},
		{"my-service.yaml", []want{
			at("ClusterIP", "spec", "type"),
			at("None", "spec", "sessionAffinity"),
			at(9376.0, "spec", "ports", 0, "targetPort"),
			at("MyApp", "spec", "selector", "app.kubernetes.io/name"),
		}},
		{"game-demo-configmap.yaml", []want{
			at("3", "data", "player_initial_lives"),
			at("enemy.types=aliens,monsters\nplayer.maximum-lives=5    \n", "data", "game.properties"),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			in := loadManifest(t, tt.file)
			orig := proto.Clone(in)
			out, err := Create(in)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if !proto.Equal(in, orig) {
				t.Error("Create modified its input")
			}
			for _, w := range tt.wants {
				if got := jsonAt(t, out.Body, w.path...); fmt.Sprint(got) != fmt.Sprint(w.value) {
					t.Errorf("%v = %v, want %v", w.path, got, w.value)
				}
			}
			assertCanonical(t, out)
		})
	}
}

// assertCanonical checks that the normalized body has no envelope keys and
// that validating it again changes nothing.
func assertCanonical(t *testing.T, out *pb.Object) {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(out.Body, &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range envelopeKeys {
		if _, ok := top[k]; ok {
			t.Errorf("normalized body has %q", k)
		}
	}
	again, err := Create(out)
	if err != nil {
		t.Fatalf("Create(normalized): %v", err)
	}
	if !bytes.Equal(again.Body, out.Body) {
		t.Errorf("normalization is not idempotent:\n%s\n%s", out.Body, again.Body)
	}
}

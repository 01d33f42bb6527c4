package validation

import (
	"encoding/base64"
	"fmt"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
)

func TestDefaults(t *testing.T) {
	tests := []struct {
		name  string
		obj   *pb.Object
		wants []want
	}{
		{"pull policy latest", newObj("Pod", podBody(`[{"name":"a","image":"nginx:latest"},{"name":"b","image":"nginx"},{"name":"c","image":"reg:5000/nginx"},{"name":"d","image":"reg:5000/nginx:1.2"},{"name":"e","image":"nginx@sha256:abc"}]`)),
			[]want{at("Always", "spec", "containers", 0, "imagePullPolicy"), at("Always", "spec", "containers", 1, "imagePullPolicy"),
				at("Always", "spec", "containers", 2, "imagePullPolicy"), at("IfNotPresent", "spec", "containers", 3, "imagePullPolicy"),
				at("IfNotPresent", "spec", "containers", 4, "imagePullPolicy")}},
		{"pod", newObj("Pod", podBody(`[{"name":"c","image":"i:1","ports":[{"containerPort":53,"protocol":"UDP"},{"containerPort":80}]}]`)),
			[]want{at("Always", "spec", "restartPolicy"), at("ClusterFirst", "spec", "dnsPolicy"), at("default-scheduler", "spec", "schedulerName"),
				at("UDP", "spec", "containers", 0, "ports", 0, "protocol"), at("TCP", "spec", "containers", 0, "ports", 1, "protocol")}},
		{"replicaset", newObj("ReplicaSet", controller(sel, appLabels, podSpecOK)), []want{at(1.0, "spec", "replicas")}},
		{"deployment recreate", newObj("Deployment", controller(sel, appLabels, podSpecOK, `"strategy":{"type":"Recreate"}`)),
			[]want{at(nil, "spec", "strategy", "rollingUpdate"), at(1.0, "spec", "replicas")}},
		{"daemonset", newObj("DaemonSet", controller(sel, appLabels, podSpecOK)),
			[]want{at("RollingUpdate", "spec", "updateStrategy", "type"), at(1.0, "spec", "updateStrategy", "rollingUpdate", "maxUnavailable")}},
		{"job work queue", newObj("Job", controller("", "{}", jobPodSpec, `"parallelism":4`)),
			[]want{at(nil, "spec", "completions"), at(4.0, "spec", "parallelism"), at(6.0, "spec", "backoffLimit")}},
		{"service", newObj("Service", `{"spec":{"ports":[{"name":"a","port":80},{"name":"b","port":81,"targetPort":"http"}]}}`),
			[]want{at(80.0, "spec", "ports", 0, "targetPort"), at("http", "spec", "ports", 1, "targetPort"), at("TCP", "spec", "ports", 1, "protocol")}},
		{"secret", newObj("Secret", `{"data":{"a":"b2xk","b":"Yg=="},"stringData":{"a":"new"}}`),
			[]want{at("Opaque", "type"), at(b64("new"), "data", "a"), at(b64("b"), "data", "b"), at(nil, "stringData")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Create(tt.obj)
			if err != nil {
				t.Fatalf("Create: %v", err)
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

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

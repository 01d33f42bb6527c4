package validation

import (
	"errors"
	"strings"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
)

// stored creates an object as the server would store it.
func stored(t *testing.T, o *pb.Object) *pb.Object {
	t.Helper()
	out, err := Create(o)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	out.Metadata.Uid = "u1"
	out.Metadata.CreationTimestamp = 100
	out.Metadata.ResourceVersion = 7
	return out
}

func meta(f func(*pb.ObjectMeta)) func(*pb.Object) {
	return func(o *pb.Object) { f(o.Metadata) }
}

const (
	deploySpec = `"selector":{"matchLabels":{"app":"a"}},`
	immutableS = "field is immutable"
)

func TestUpdate(t *testing.T) {
	pod := newObj("Pod", goodPod)
	tolPod := newObj("Pod", podBody(`[{"name":"c","image":"i"}]`, `"tolerations":[{"key":"a","operator":"Exists"}]`, `"activeDeadlineSeconds":100`))
	deploy := newObj("Deployment", controller(deploySpec, appLabels, podSpecOK))
	job := newObj("Job", controller("", `{"app":"a"}`, jobPodSpec))
	svc := newObj("Service", `{"spec":{"clusterIP":"10.0.0.5","ports":[{"port":80}]}}`)
	cmLocked := newObj("ConfigMap", `{"immutable":true,"data":{"a":"1"}}`)
	secret := newObj("Secret", `{"stringData":{"a":"1"}}`)
	tests := []struct {
		name string
		old  *pb.Object
		obj  *pb.Object
		want string // error substring; empty means accepted
	}{
		{"pod image", pod, newObj("Pod", `{"spec":{"containers":[{"name":"c","image":"nginx:1.26"}]}}`), ""},
		{"pod resubmitted", pod, newObj("Pod", goodPod, meta(func(m *pb.ObjectMeta) { m.Uid, m.ResourceVersion = "u1", 7 })), ""},
		{"pod labels", pod, newObj("Pod", goodPod, meta(func(m *pb.ObjectMeta) { m.Labels = map[string]string{"a": "b"} })), ""},
		{"pod name", pod, newObj("Pod", goodPod, named("y")), "metadata.name: Invalid value: \"y\": field is immutable"},
		{"pod namespace", pod, newObj("Pod", goodPod, meta(func(m *pb.ObjectMeta) { m.Namespace = "other" })), "metadata.namespace"},
		{"pod uid", pod, newObj("Pod", goodPod, meta(func(m *pb.ObjectMeta) { m.Uid = "u2" })), "metadata.uid"},
		{"creationTimestamp", pod, newObj("Pod", goodPod, meta(func(m *pb.ObjectMeta) { m.CreationTimestamp = 5 })), "metadata.creationTimestamp"},
		{"pod restartPolicy", pod, newObj("Pod", podBody(`[{"name":"c","image":"nginx:1.25"}]`, `"restartPolicy":"Never"`)), "spec.restartPolicy: Forbidden: field is immutable"},
		{"pod container ports", pod, newObj("Pod", podBody(`[{"name":"c","image":"nginx:1.25","ports":[{"containerPort":80}]}]`)), "spec.containers: Forbidden"},
		{"pod add toleration", tolPod, newObj("Pod", podBody(`[{"name":"c","image":"i"}]`, `"tolerations":[{"key":"a","operator":"Exists"},{"key":"b","operator":"Exists"}]`, `"activeDeadlineSeconds":100`)), ""},
		{"pod remove toleration", tolPod, newObj("Pod", podBody(`[{"name":"c","image":"i"}]`, `"activeDeadlineSeconds":100`)), "spec.tolerations"},
		{"pod lower deadline", tolPod, newObj("Pod", podBody(`[{"name":"c","image":"i"}]`, `"tolerations":[{"key":"a","operator":"Exists"}]`, `"activeDeadlineSeconds":50`)), ""},
		{"pod raise deadline", tolPod, newObj("Pod", podBody(`[{"name":"c","image":"i"}]`, `"tolerations":[{"key":"a","operator":"Exists"}]`, `"activeDeadlineSeconds":500`)), "activeDeadlineSeconds"},
		{"deployment scale", deploy, newObj("Deployment", controller(deploySpec, appLabels, podSpecOK, `"replicas":5`)), ""},
		{"deployment selector", deploy, newObj("Deployment", controller(`"selector":{"matchLabels":{"app":"a","b":"c"}},`, `{"app":"a","b":"c"}`, podSpecOK)), "spec.selector: Invalid value"},
		{"replicaset selector", newObj("ReplicaSet", controller(deploySpec, appLabels, podSpecOK)),
			newObj("ReplicaSet", controller(`"selector":{"matchLabels":{"b":"c"}},`, `{"b":"c"}`, podSpecOK)), immutableS},
		{"daemonset selector", newObj("DaemonSet", controller(deploySpec, appLabels, podSpecOK)),
			newObj("DaemonSet", controller(`"selector":{"matchLabels":{"b":"c"}},`, `{"b":"c"}`, podSpecOK)), immutableS},
		{"job parallelism", job, newObj("Job", controller("", `{"app":"a"}`, jobPodSpec, `"parallelism":3`)), ""},
		{"job template", job, newObj("Job", controller("", `{"app":"b"}`, jobPodSpec)), "spec.template.metadata: Forbidden: field is immutable"},
		{"job selector", job, newObj("Job", controller(deploySpec, `{"app":"a"}`, jobPodSpec)), "spec.selector"},
		{"service keeps clusterIP", svc, newObj("Service", `{"spec":{"ports":[{"port":8080}]}}`), ""},
		{"service clusterIP", svc, newObj("Service", `{"spec":{"clusterIP":"10.0.0.6","ports":[{"port":80}]}}`), "spec.clusterIP: Invalid value: \"10.0.0.6\": field is immutable"},
		{"configmap mutable", newObj("ConfigMap", `{"data":{"a":"1"}}`), newObj("ConfigMap", `{"data":{"a":"2"}}`), ""},
		{"configmap immutable data", cmLocked, newObj("ConfigMap", `{"immutable":true,"data":{"a":"2"}}`), "data: Forbidden"},
		{"configmap unset immutable", cmLocked, newObj("ConfigMap", `{"data":{"a":"1"}}`), "immutable: Forbidden"},
		{"configmap immutable labels", cmLocked, newObj("ConfigMap", `{"immutable":true,"data":{"a":"1"}}`, meta(func(m *pb.ObjectMeta) { m.Labels = map[string]string{"x": "y"} })), ""},
		{"secret data", secret, newObj("Secret", `{"stringData":{"a":"2"}}`), ""},
		{"secret type", secret, newObj("Secret", `{"type":"kubernetes.io/basic-auth","stringData":{"a":"1"}}`), "type: Invalid value"},
		{"secret immutable", newObj("Secret", `{"immutable":true,"stringData":{"a":"1"}}`), newObj("Secret", `{"immutable":true,"stringData":{"a":"2"}}`), "data: Forbidden"},
		{"kind change", pod, newObj("ConfigMap", ""), "cannot replace"},
		{"invalid body", pod, newObj("Pod", `{"spec":{"containers":[]}}`), "spec.containers: Required value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := stored(t, tt.old)
			out, err := Update(tt.obj, old)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Update: %v", err)
				}
				if string(out.Status) != string(old.Status) {
					t.Errorf("status = %s, want the stored %s", out.Status, old.Status)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Update error = %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}
}

func TestUpdateKeepsClusterIP(t *testing.T) {
	old := stored(t, newObj("Service", `{"spec":{"clusterIP":"10.0.0.5","ports":[{"port":80}]}}`))
	out, err := Update(newObj("Service", `{"spec":{"ports":[{"port":80}]}}`), old)
	if err != nil {
		t.Fatal(err)
	}
	if got := jsonAt(t, out.Body, "spec", "clusterIP"); got != "10.0.0.5" {
		t.Errorf("clusterIP = %v, want the stored 10.0.0.5", got)
	}
}

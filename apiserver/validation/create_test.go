package validation

import (
	"errors"
	"strings"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
)

// newObj builds an object of a known kind named "x" with the given body,
// in namespace "default" when the kind is namespaced.
func newObj(kind, body string, edits ...func(*pb.Object)) *pb.Object {
	k, _ := pb.LookupKind(kind)
	o := &pb.Object{ApiVersion: k.APIVersion, Kind: k.Kind, Metadata: &pb.ObjectMeta{Name: "x"}, Body: []byte(body)}
	if k.Namespaced {
		o.Metadata.Namespace = "default"
	}
	for _, e := range edits {
		e(o)
	}
	return o
}

func named(name string) func(*pb.Object) {
	return func(o *pb.Object) { o.Metadata.Name = name }
}

const goodPod = `{"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]}}`

// podBody wraps a container list and extra pod spec fields.
func podBody(containers string, extra ...string) string {
	s := `{"spec":{"containers":` + containers
	for _, e := range extra {
		s += "," + e
	}
	return s + "}}"
}

// controller builds a workload body around a pod template.
func controller(selector, labels, podSpec string, extra ...string) string {
	s := `{"spec":{` + selector + `"template":{"metadata":{"labels":` + labels + `},"spec":` + podSpec + `}`
	for _, e := range extra {
		s += "," + e
	}
	return s + "}}"
}

const (
	sel        = `"selector":{"matchLabels":{"app":"a"}},`
	appLabels  = `{"app":"a"}`
	podSpecOK  = `{"containers":[{"name":"c","image":"busybox:1.36"}]}`
	jobPodSpec = `{"containers":[{"name":"c","image":"busybox:1.36"}],"restartPolicy":"Never"}`
)

func TestCreateRejects(t *testing.T) {
	tests := []struct {
		name string
		obj  *pb.Object
		want []string // substrings of the error message
	}{
		// envelope
		{"unknown kind", newObj("Pod", goodPod, func(o *pb.Object) { o.Kind = "Widget" }), []string{`unknown kind "Widget"`}},
		{"plural kind", newObj("Pod", goodPod, func(o *pb.Object) { o.Kind = "pods" }), []string{`"pods"`, `"Pod"`}},
		{"wrong apiVersion", newObj("Deployment", "", func(o *pb.Object) { o.ApiVersion = "v1" }), []string{`apiVersion "v1"`, `"apps/v1"`, "Deployment"}},
		{"resourceVersion set", newObj("ConfigMap", "", func(o *pb.Object) { o.Metadata.ResourceVersion = 5 }),
			[]string{"resourceVersion should not be set on objects to be created"}},
		{"cluster-scoped with namespace", newObj("Node", "", func(o *pb.Object) { o.Metadata.Namespace = "default" }),
			[]string{"metadata.namespace: Forbidden"}},
		{"namespaced without namespace", newObj("ConfigMap", "", func(o *pb.Object) { o.Metadata.Namespace = "" }),
			[]string{"metadata.namespace: Required value"}},
		{"bad namespace name", newObj("ConfigMap", "", func(o *pb.Object) { o.Metadata.Namespace = "Bad_NS" }),
			[]string{"metadata.namespace: Invalid value"}},
		// names
		{"no name", newObj("ConfigMap", "", named("")), []string{"metadata.name: Required value"}},
		{"namespace name is a label", newObj("Namespace", "", named("a.b")), []string{"metadata.name: Invalid value", "must not contain dots"}},
		{"service name is DNS-1035", newObj("Service", `{"spec":{"ports":[{"port":80}]}}`, named("1web")), []string{"DNS-1035 label"}},
		{"configmap name is a subdomain", newObj("ConfigMap", "", named("Upper")), []string{"RFC 1123 subdomain"}},
		{"node name is a subdomain", newObj("Node", "", named("node_1")), []string{"RFC 1123 subdomain"}},
		{"bad generateName", newObj("Pod", goodPod, func(o *pb.Object) { o.Metadata.GenerateName = "A_" }), []string{"metadata.generateName"}},
		// metadata
		{"bad label key", newObj("ConfigMap", "", func(o *pb.Object) { o.Metadata.Labels = map[string]string{"a b": "c"} }), []string{"metadata.labels: Invalid value: \"a b\""}},
		{"bad label value", newObj("ConfigMap", "", func(o *pb.Object) { o.Metadata.Labels = map[string]string{"a": "b c"} }), []string{"metadata.labels: Invalid value: \"b c\""}},
		{"bad annotation key", newObj("ConfigMap", "", func(o *pb.Object) { o.Metadata.Annotations = map[string]string{"/x": "y"} }), []string{"metadata.annotations"}},
		{"annotations too large", newObj("ConfigMap", "", func(o *pb.Object) {
			o.Metadata.Annotations = map[string]string{"big": strings.Repeat("x", 256*1024)}
		}), []string{"metadata.annotations: Too long"}},
		{"bad finalizer", newObj("ConfigMap", "", func(o *pb.Object) { o.Metadata.Finalizers = []string{"not valid!"} }), []string{"metadata.finalizers"}},
		{"owner reference incomplete", newObj("Pod", goodPod, func(o *pb.Object) {
			o.Metadata.OwnerReferences = []*pb.OwnerReference{{Kind: "ReplicaSet"}}
		}), []string{"ownerReferences[0].apiVersion: Required", "ownerReferences[0].name: Required", "ownerReferences[0].uid: Required"}},
		// body decoding
		{"misspelled field", newObj("Pod", `{"spec":{"containers":[{"name":"c","imagee":"nginx"}]}}`),
			[]string{"spec.containers[0].imagee: unknown field"}},
		{"unknown top-level field", newObj("ConfigMap", `{"foo":1}`), []string{"foo: unknown field"}},
		{"case-sensitive fields", newObj("ConfigMap", `{"Data":{"a":"b"}}`), []string{"Data: unknown field"}},
		{"duplicate field", newObj("ConfigMap", `{"data":{"a":"b"},"data":{"a":"c"}}`), []string{"data: duplicate field"}},
		{"metadata in body", newObj("ConfigMap", `{"metadata":{"name":"x"}}`), []string{"metadata: Forbidden"}},
		{"status in body", newObj("Pod", `{"spec":{"containers":[{"name":"c","image":"i"}]},"status":{}}`), []string{"status: Forbidden"}},
		{"kind in body", newObj("ConfigMap", `{"kind":"ConfigMap","apiVersion":"v1"}`), []string{"kind: Forbidden", "apiVersion: Forbidden"}},
		{"body not an object", newObj("ConfigMap", `[1]`), []string{"body: Invalid value", "JSON object"}},
		{"body malformed", newObj("ConfigMap", `{"data":`), []string{"body: unexpected end of JSON input"}},
		{"escaped envelope key", newObj("ConfigMap", `{"met\u0061data":{}}`), []string{"metadata: Forbidden"}},
		{"wrong type", newObj("Pod", podBody(`[{"name":"c","image":"i","ports":[{"containerPort":"80"}]}]`)), []string{"containerPort", "int32"}},
		{"bad quantity", newObj("Pod", podBody(`[{"name":"c","image":"i","resources":{"limits":{"cpu":"lots"}}}]`)), []string{"quantities must match"}},
		{"unknown status field on create", newObj("Pod", goodPod, func(o *pb.Object) { o.Status = []byte(`{"phaze":"Running"}`) }), []string{"status.phaze: unknown field"}},
		{"status on kind without status", newObj("ConfigMap", "", func(o *pb.Object) { o.Status = []byte(`{}`) }), []string{"status: Forbidden"}},
		// pods
		{"no containers", newObj("Pod", `{"spec":{}}`), []string{"spec.containers: Required value"}},
		{"image required", newObj("Pod", podBody(`[{"name":"c"}]`)), []string{"spec.containers[0].image: Required value"}},
		{"container name", newObj("Pod", podBody(`[{"name":"C_1","image":"i"}]`)), []string{"spec.containers[0].name: Invalid value"}},
		{"container name required", newObj("Pod", podBody(`[{"image":"i"}]`)), []string{"spec.containers[0].name: Required value"}},
		{"duplicate container", newObj("Pod", podBody(`[{"name":"c","image":"i"},{"name":"c","image":"j"}]`)), []string{"spec.containers[1].name: Duplicate value"}},
		{"init container clash", newObj("Pod", podBody(`[{"name":"c","image":"i"}]`, `"initContainers":[{"name":"c","image":"j"}]`)), []string{"spec.containers[0].name: Duplicate value"}},
		{"port range", newObj("Pod", podBody(`[{"name":"c","image":"i","ports":[{"containerPort":70000}]}]`)), []string{"spec.containers[0].ports[0].containerPort: Invalid value: 70000"}},
		{"port zero", newObj("Pod", podBody(`[{"name":"c","image":"i","ports":[{"containerPort":0}]}]`)), []string{"ports[0].containerPort"}},
		{"protocol", newObj("Pod", podBody(`[{"name":"c","image":"i","ports":[{"containerPort":80,"protocol":"HTTP"}]}]`)), []string{"ports[0].protocol: Unsupported value: \"HTTP\""}},
		{"requests over limits", newObj("Pod", podBody(`[{"name":"c","image":"i","resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}}]`)),
			[]string{"spec.containers[0].resources.requests[cpu]: Invalid value: \"2\": must be less than or equal to cpu limit of 1"}},
		{"negative quantity", newObj("Pod", podBody(`[{"name":"c","image":"i","resources":{"limits":{"memory":"-1Gi"}}}]`)), []string{"resources.limits[memory]"}},
		{"restartPolicy", newObj("Pod", podBody(`[{"name":"c","image":"i"}]`, `"restartPolicy":"Sometimes"`)), []string{"spec.restartPolicy: Unsupported value"}},
		{"env name", newObj("Pod", podBody(`[{"name":"c","image":"i","env":[{"name":"A=B"}]}]`)), []string{"spec.containers[0].env[0].name: Invalid value"}},
		{"env name required", newObj("Pod", podBody(`[{"name":"c","image":"i","env":[{"value":"v"}]}]`)), []string{"env[0].name: Required value"}},
		{"duplicate volume", newObj("Pod", podBody(`[{"name":"c","image":"i"}]`, `"volumes":[{"name":"v","emptyDir":{}},{"name":"v","emptyDir":{}}]`)), []string{"spec.volumes[1].name: Duplicate value"}},
		{"mount of missing volume", newObj("Pod", podBody(`[{"name":"c","image":"i","volumeMounts":[{"name":"v","mountPath":"/v"}]}]`)), []string{"volumeMounts[0].name: Not found"}},
		{"pull policy", newObj("Pod", podBody(`[{"name":"c","image":"i","imagePullPolicy":"Sometimes"}]`)), []string{"imagePullPolicy: Unsupported value"}},
		{"toleration operator", newObj("Pod", podBody(`[{"name":"c","image":"i"}]`, `"tolerations":[{"key":"k","operator":"Like"}]`)), []string{"spec.tolerations[0].operator"}},
		// workloads
		{"deployment without selector", newObj("Deployment", controller("", appLabels, podSpecOK)), []string{"spec.selector: Required value"}},
		{"deployment empty selector", newObj("Deployment", controller(`"selector":{},`, appLabels, podSpecOK)), []string{"spec.selector: Invalid value", "empty selector"}},
		{"selector does not match", newObj("Deployment", controller(sel, `{"app":"b"}`, podSpecOK)), []string{"spec.template.metadata.labels: Invalid value", "`selector` does not match template `labels`"}},
		{"negative replicas", newObj("ReplicaSet", controller(sel, appLabels, podSpecOK, `"replicas":-1`)), []string{"spec.replicas: Invalid value: -1"}},
		{"template image", newObj("Deployment", controller(sel, appLabels, `{"containers":[{"name":"c"}]}`)), []string{"spec.template.spec.containers[0].image: Required value", `Deployment.apps "x" is invalid`}},
		{"template restartPolicy", newObj("DaemonSet", controller(sel, appLabels, jobPodSpec)), []string{"spec.template.spec.restartPolicy: Unsupported value: \"Never\""}},
		{"deployment strategy", newObj("Deployment", controller(sel, appLabels, podSpecOK, `"strategy":{"type":"BlueGreen"}`)), []string{"spec.strategy.type: Unsupported value"}},
		{"recreate with rollingUpdate", newObj("Deployment", controller(sel, appLabels, podSpecOK, `"strategy":{"type":"Recreate","rollingUpdate":{}}`)), []string{"spec.strategy.rollingUpdate: Forbidden"}},
		{"maxSurge percent", newObj("Deployment", controller(sel, appLabels, podSpecOK, `"strategy":{"rollingUpdate":{"maxSurge":"150%"}}`)), []string{"maxSurge"}},
		{"both zero", newObj("Deployment", controller(sel, appLabels, podSpecOK, `"strategy":{"rollingUpdate":{"maxSurge":0,"maxUnavailable":0}}`)), []string{"maxUnavailable: Invalid value"}},
		{"daemonset strategy", newObj("DaemonSet", controller(sel, appLabels, podSpecOK, `"updateStrategy":{"type":"Recreate"}`)), []string{"spec.updateStrategy.type: Unsupported value"}},
		{"job restartPolicy", newObj("Job", controller("", "{}", podSpecOK)), []string{"spec.template.spec.restartPolicy: Unsupported value: \"Always\""}},
		{"job counts", newObj("Job", controller("", "{}", jobPodSpec, `"completions":-1,"parallelism":-2,"backoffLimit":-3`)),
			[]string{"spec.completions", "spec.parallelism", "spec.backoffLimit"}},
		{"job selector mismatch", newObj("Job", controller(sel, `{"app":"b"}`, jobPodSpec)), []string{"does not match"}},
		// services
		{"service port range", newObj("Service", `{"spec":{"ports":[{"port":0}]}}`), []string{"spec.ports[0].port: Invalid value: 0"}},
		{"service ports required", newObj("Service", `{"spec":{}}`), []string{"spec.ports: Required value"}},
		{"service port names", newObj("Service", `{"spec":{"ports":[{"port":80},{"name":"b","port":81}]}}`), []string{"spec.ports[0].name: Required value"}},
		{"service duplicate names", newObj("Service", `{"spec":{"ports":[{"name":"a","port":80},{"name":"a","port":81}]}}`), []string{"spec.ports[1].name: Duplicate value"}},
		{"service type", newObj("Service", `{"spec":{"type":"Magic","ports":[{"port":80}]}}`), []string{"spec.type: Unsupported value"}},
		{"targetPort name", newObj("Service", `{"spec":{"ports":[{"port":80,"targetPort":"not_valid"}]}}`), []string{"spec.ports[0].targetPort"}},
		{"targetPort number", newObj("Service", `{"spec":{"ports":[{"port":80,"targetPort":70000}]}}`), []string{"spec.ports[0].targetPort"}},
		{"nodePort on ClusterIP", newObj("Service", `{"spec":{"ports":[{"port":80,"nodePort":30080}]}}`), []string{"nodePort: Forbidden"}},
		{"externalName required", newObj("Service", `{"spec":{"type":"ExternalName"}}`), []string{"spec.externalName: Required value"}},
		{"bad clusterIP", newObj("Service", `{"spec":{"clusterIP":"10.0.0","ports":[{"port":80}]}}`), []string{"spec.clusterIP"}},
		// config
		{"configmap key", newObj("ConfigMap", `{"data":{"a/b":"x"}}`), []string{"data: Invalid value: \"a/b\""}},
		{"configmap disjoint keys", newObj("ConfigMap", `{"data":{"a":"x"},"binaryData":{"a":"eA=="}}`), []string{"binaryData: Invalid value: \"a\""}},
		{"secret key", newObj("Secret", `{"stringData":{"a b":"x"}}`), []string{"data: Invalid value: \"a b\""}},
		{"secret not base64", newObj("Secret", `{"data":{"a":"!!!"}}`), []string{"data"}},
		{"tls secret keys", newObj("Secret", `{"type":"kubernetes.io/tls","stringData":{"tls.crt":"c"}}`), []string{"data[tls.key]: Required value"}},
		{"endpoints port", newObj("Endpoints", `{"subsets":[{"ports":[{"port":0}]}]}`), []string{"subsets[0].ports[0].port"}},
		{"event unknown field", newObj("Event", `{"reason":"x","colour":"red"}`), []string{"colour: unknown field"}},
		{"namespace unknown field", newObj("Namespace", `{"spec":{"finalisers":[]}}`), []string{"spec.finalisers: unknown field"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Create(tt.obj)
			if err == nil {
				t.Fatalf("Create accepted it: %s", out.GetBody())
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\n does not contain %q", err, w)
				}
			}
		})
	}
}

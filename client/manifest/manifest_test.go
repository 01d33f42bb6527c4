package manifest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"

	pb "github.com/drover/drover/proto/droverpb"
)

// manifestPath finds a test manifest: the Kubernetes documentation
// examples live in the repository's examples/, the codec's own cases in
// testdata/.
func manifestPath(name string) string {
	if p := filepath.Join("..", "..", "examples", name); fileExists(p) {
		return p
	}
	return filepath.Join("testdata", name)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func decodeFile(t *testing.T, name string) []*pb.Object {
	t.Helper()
	data, err := os.ReadFile(manifestPath(name))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode(%s): %v", name, err)
	}
	return objs
}

func decodeOne(t *testing.T, name string) *pb.Object {
	t.Helper()
	objs := decodeFile(t, name)
	if len(objs) != 1 {
		t.Fatalf("%s: got %d objects, want 1", name, len(objs))
	}
	return objs[0]
}

func TestDecodeDeployment(t *testing.T) {
	obj := decodeOne(t, "nginx-deployment.yaml")
	if obj.Kind != "Deployment" || obj.ApiVersion != "apps/v1" || obj.Metadata.Name != "nginx-deployment" {
		t.Fatalf("unexpected envelope: %v", obj)
	}
	if obj.Metadata.Labels["app"] != "nginx" {
		t.Errorf("labels = %v", obj.Metadata.Labels)
	}
	if !strings.HasPrefix(string(obj.Body), `{"spec":{"replicas":3,"selector"`) {
		t.Errorf("body = %s", obj.Body)
	}
	if len(obj.Status) != 0 {
		t.Errorf("status = %s, want empty", obj.Status)
	}
	var d appsv1.Deployment
	if err := Into(obj, &d); err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 3 || d.Spec.Template.Spec.Containers[0].Image != "nginx:1.14.2" || d.Name != "nginx-deployment" {
		t.Errorf("typed deployment = %+v", d)
	}
}

func TestDecodeTyped(t *testing.T) {
	var pod corev1.Pod
	if err := Into(decodeOne(t, "busybox-pod.yaml"), &pod); err != nil {
		t.Fatal(err)
	}
	if pod.Namespace != "default" || pod.Spec.Containers[0].Command[1] != "3600" {
		t.Errorf("pod = %+v", pod)
	}
	var job batchv1.Job
	if err := Into(decodeOne(t, "pi-job.yaml"), &job); err != nil {
		t.Fatal(err)
	}
	if *job.Spec.BackoffLimit != 4 || job.Spec.Template.Spec.Containers[0].Command[3] != "print bpi(2000)" {
		t.Errorf("job = %+v", job)
	}
	var svc corev1.Service
	if err := Into(decodeOne(t, "my-service.yaml"), &svc); err != nil {
		t.Fatal(err)
	}
	if svc.Spec.Ports[0].TargetPort.IntValue() != 9376 {
		t.Errorf("service = %+v", svc)
	}
}

func TestDecodeConfigMapMultiline(t *testing.T) {
	var cm corev1.ConfigMap
	if err := Into(decodeOne(t, "game-demo-configmap.yaml"), &cm); err != nil {
		t.Fatal(err)
	}
	// The documentation's example keeps trailing blanks on the last line of
	// each block; a literal block keeps them too.
	want := "enemy.types=aliens,monsters\nplayer.maximum-lives=5    \n"
	if cm.Data["game.properties"] != want || len(cm.Data) != 4 {
		t.Errorf("data = %q", cm.Data)
	}
}

func TestDecodeMultiDocument(t *testing.T) {
	objs := decodeFile(t, "multi.yaml")
	if len(objs) != 2 || objs[0].Kind != "Namespace" || objs[1].Metadata.Namespace != "web" {
		t.Fatalf("objects = %v", objs)
	}
}

func TestDecodeList(t *testing.T) {
	objs := decodeFile(t, "list.yaml")
	if len(objs) != 2 {
		t.Fatalf("got %d objects", len(objs))
	}
	md := objs[0].Metadata
	if md.ResourceVersion != 17 || md.CreationTimestamp != 1714557600_000000000 {
		t.Errorf("metadata = %v", md)
	}
	if string(objs[1].Body) != `{"data":{"password":"cGFzc3dvcmQ="},"type":"Opaque"}` {
		t.Errorf("secret body = %s", objs[1].Body)
	}
}

func TestDecodeJSON(t *testing.T) {
	in := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"},"data":{"b":"2","a":"1"}}
{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"y"},"status":{"phase":"Active"}}`
	objs, err := Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || string(objs[0].Body) != `{"data":{"a":"1","b":"2"}}` || string(objs[1].Status) != `{"phase":"Active"}` {
		t.Fatalf("objects = %v", objs)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"malformed", "apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: [Pod\n", "document 2: yaml: line 5"},
		{"missing kind", "apiVersion: v1\nmetadata:\n  name: x\n", "document 1: missing kind"},
		{"missing both", "---\nfoo: bar\n", "document 2: missing apiVersion and kind"},
		{"unknown metadata", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  lables: {}\n", "metadata.lables: unknown field"},
		{"bad resourceVersion", "apiVersion: v1\nkind: Pod\nmetadata:\n  resourceVersion: abc\n", "not an unsigned integer"},
		{"bad timestamp", "apiVersion: v1\nkind: Pod\nmetadata:\n  creationTimestamp: yesterday\n", "metadata.creationTimestamp"},
		{"scalar", "hello\n", "expected a mapping"},
		{"list item", "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n", "document 1, item 1: missing apiVersion"},
		{"duplicate key", "apiVersion: v1\nkind: Pod\nkind: Service\n", "document 1"},
		{"unknown owner ref field", "apiVersion: v1\nkind: Pod\nmetadata:\n  ownerReferences:\n  - nam: x\n", "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// sampleObjects returns one fully populated object per kind.
func sampleObjects() []*pb.Object {
	var out []*pb.Object
	for i, k := range pb.Kinds {
		md := &pb.ObjectMeta{
			Name: "obj-" + strings.ToLower(k.Kind), Uid: "uid-1",
			ResourceVersion: uint64(100 + i), Generation: 2,
			CreationTimestamp: 1714557600_123456789,
			Labels:            map[string]string{"app": "web"},
			Annotations:       map[string]string{"note": "line1\nline2"},
			Finalizers:        []string{"drover.io/test"},
		}
		if k.Namespaced {
			md.Namespace = "default"
			md.OwnerReferences = []*pb.OwnerReference{{ApiVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", Uid: "u2", Controller: true}}
			md.DeletionTimestamp = 1714557700_000000000
		}
		out = append(out, &pb.Object{
			ApiVersion: k.APIVersion, Kind: k.Kind, Metadata: md,
			Body:   []byte(`{"spec":{"big":12345678901234567890,"n":1.5,"s":"x"}}`),
			Status: []byte(`{"phase":"Running"}`),
		})
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	for _, obj := range sampleObjects() {
		for name, enc := range map[string]func(*pb.Object) ([]byte, error){"yaml": ToYAML, "json": ToJSON} {
			data, err := enc(obj)
			if err != nil {
				t.Fatal(err)
			}
			back, err := Decode(data)
			if err != nil {
				t.Fatalf("%s %s: %v\n%s", obj.Kind, name, err, data)
			}
			if len(back) != 1 || !proto.Equal(back[0], obj) {
				t.Errorf("%s %s round trip:\n got %v\nwant %v", obj.Kind, name, back, obj)
			}
		}
	}
}

func TestListRoundTrip(t *testing.T) {
	objs := sampleObjects()
	data, err := ListToYAML(objs)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != len(objs) {
		t.Fatalf("got %d objects, want %d", len(back), len(objs))
	}
	for i := range objs {
		if !proto.Equal(back[i], objs[i]) {
			t.Errorf("item %d: got %v want %v", i, back[i], objs[i])
		}
	}
}

func TestToJSONOrder(t *testing.T) {
	data, err := ToJSON(decodeOne(t, "game-demo-configmap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	if !(strings.Index(s, `"apiVersion"`) < strings.Index(s, `"kind"`) &&
		strings.Index(s, `"kind"`) < strings.Index(s, `"metadata"`) &&
		strings.Index(s, `"metadata"`) < strings.Index(s, `"data"`)) {
		t.Errorf("field order wrong:\n%s", s)
	}
}

func TestEncodeRejectsReservedBodyField(t *testing.T) {
	obj := &pb.Object{ApiVersion: "v1", Kind: "Pod", Body: []byte(`{"kind":"x"}`)}
	if _, err := Encode(obj); err == nil {
		t.Fatal("expected an error")
	}
}

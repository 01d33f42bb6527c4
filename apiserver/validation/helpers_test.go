package validation

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	pb "github.com/drover/drover/proto/droverpb"
)

// fromManifest splits a YAML or JSON manifest into the object envelope,
// giving namespaced kinds the "default" namespace as the server would.
func fromManifest(t testing.TB, manifest string) *pb.Object {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(manifest), &m); err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	obj := &pb.Object{Metadata: &pb.ObjectMeta{}}
	obj.ApiVersion, _ = m["apiVersion"].(string)
	obj.Kind, _ = m["kind"].(string)
	if md, ok := m["metadata"].(map[string]any); ok {
		obj.Metadata = toMeta(md)
	}
	if k, ok := pb.LookupKind(obj.Kind); ok && k.Namespaced && obj.Metadata.Namespace == "" {
		obj.Metadata.Namespace = "default"
	}
	if st, ok := m["status"]; ok {
		obj.Status = mustJSON(t, st)
	}
	for _, k := range []string{"apiVersion", "kind", "metadata", "status"} {
		delete(m, k)
	}
	obj.Body = mustJSON(t, m)
	return obj
}

func toMeta(md map[string]any) *pb.ObjectMeta {
	meta := &pb.ObjectMeta{}
	meta.Name, _ = md["name"].(string)
	meta.Namespace, _ = md["namespace"].(string)
	meta.GenerateName, _ = md["generateName"].(string)
	meta.Labels = toStrings(md["labels"])
	meta.Annotations = toStrings(md["annotations"])
	return meta
}

func toStrings(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k], _ = v.(string)
	}
	return out
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// loadManifest reads examples/name (the Kubernetes documentation manifests).
func loadManifest(t testing.TB, name string) *pb.Object {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	return fromManifest(t, string(b))
}

// jsonAt walks a JSON document by map keys (string) and indices (int).
func jsonAt(t testing.TB, doc []byte, path ...any) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("decode %s: %v", doc, err)
	}
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[p]
		case int:
			a, _ := v.([]any)
			if p >= len(a) {
				return nil
			}
			v = a[p]
		}
	}
	return v
}

package main

import (
	"encoding/json"
	"testing"

	"github.com/drover/drover/client/manifest"
	pb "github.com/drover/drover/proto/droverpb"
)

// manifestObject decodes one object and annotates it as apply would.
func manifestObject(t *testing.T, y string) *pb.Object {
	t.Helper()
	objs, err := manifest.Decode([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := placeObject(objs[0], ""); err != nil {
		t.Fatal(err)
	}
	want, err := withLastApplied(objs[0])
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// stored simulates the server's copy of want: defaults added, server
// fields set.
func stored(t *testing.T, want *pb.Object, extra map[string]any) *pb.Object {
	t.Helper()
	body := map[string]any{}
	if err := json.Unmarshal(want.Body, &body); err != nil {
		t.Fatal(err)
	}
	spec, _ := body["spec"].(map[string]any)
	for k, v := range extra {
		spec[k] = v
	}
	live := forCreate(want)
	live.Metadata.ResourceVersion, live.Metadata.Uid = 7, "u1"
	live.Body, _ = json.Marshal(body)
	return live
}

const svcV1 = `
apiVersion: v1
kind: Service
metadata: {name: s, labels: {app: web}}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`

func TestPlanUnchangedDespiteServerDefaults(t *testing.T) {
	want := manifestObject(t, svcV1)
	live := stored(t, want, map[string]any{"clusterIP": "10.96.0.9", "type": "ClusterIP"})
	next, changed, err := planUpdate(live, want)
	if err != nil {
		t.Fatal(err)
	}
	if changed {
		t.Errorf("re-applying the same manifest changed the object: %s", next.Body)
	}
}

func TestPlanChangedKeepsServerFields(t *testing.T) {
	live := stored(t, manifestObject(t, svcV1), map[string]any{"clusterIP": "10.96.0.9"})
	want := manifestObject(t, `
apiVersion: v1
kind: Service
metadata: {name: s, labels: {app: web, tier: front}}
spec:
  ports: [{port: 8080}]
`)
	next, changed, err := planUpdate(live, want)
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	var body struct{ Spec map[string]any }
	if err := json.Unmarshal(next.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Spec["clusterIP"] != "10.96.0.9" {
		t.Errorf("server-set clusterIP lost: %s", next.Body)
	}
	if _, ok := body.Spec["selector"]; ok {
		t.Errorf("selector dropped from the manifest was kept: %s", next.Body)
	}
	if next.Metadata.Labels["tier"] != "front" || next.Metadata.ResourceVersion != 7 || next.Metadata.Uid != "u1" {
		t.Errorf("metadata %v", next.Metadata)
	}
}

func TestPlanLabelRemoval(t *testing.T) {
	live := stored(t, manifestObject(t, svcV1), nil)
	live.Metadata.Labels["added-by-controller"] = "yes"
	want := manifestObject(t, "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {selector: {app: web}, ports: [{port: 80}]}\n")
	next, changed, err := planUpdate(live, want)
	if err != nil || !changed {
		t.Fatalf("changed=%v err=%v", changed, err)
	}
	if _, ok := next.Metadata.Labels["app"]; ok {
		t.Errorf("label removed from the manifest kept: %v", next.Metadata.Labels)
	}
	if next.Metadata.Labels["added-by-controller"] != "yes" {
		t.Errorf("label set by someone else dropped: %v", next.Metadata.Labels)
	}
}

func TestMergeValueLists(t *testing.T) {
	live := []any{map[string]any{"name": "a", "imagePullPolicy": "Always"}}
	want := []any{map[string]any{"name": "a"}}
	got := mergeValue(live, want, nil).([]any)
	if got[0].(map[string]any)["imagePullPolicy"] != "Always" {
		t.Errorf("defaulted list element field lost: %v", got)
	}
	longer := []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}
	if got := mergeValue(live, longer, nil).([]any); len(got) != 2 {
		t.Errorf("list of another length not replaced: %v", got)
	}
}

func TestPlaceObjectNamespace(t *testing.T) {
	obj := &pb.Object{ApiVersion: "v1", Kind: "ConfigMap", Metadata: &pb.ObjectMeta{Name: "x", Namespace: "a"}}
	if _, err := placeObject(obj, "b"); err == nil {
		t.Error("conflicting namespace accepted")
	}
	obj.Metadata.Namespace = ""
	if _, err := placeObject(obj, ""); err != nil || obj.Metadata.Namespace != "default" {
		t.Errorf("namespace %q err %v", obj.Metadata.Namespace, err)
	}
	ns := &pb.Object{ApiVersion: "v1", Kind: "Namespace", Metadata: &pb.ObjectMeta{Name: "x", Namespace: "a"}}
	if _, err := placeObject(ns, ""); err != nil || ns.Metadata.Namespace != "" {
		t.Errorf("cluster-scoped namespace %q err %v", ns.Metadata.Namespace, err)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"

	"google.golang.org/protobuf/proto"

	"github.com/drover/drover/client/manifest"
	pb "github.com/drover/drover/proto/droverpb"
)

// lastAppliedKey is the annotation in which apply records the manifest it
// applied, so that the next apply can remove the fields a manifest dropped
// (kubectl's three-way merge).
const lastAppliedKey = "kubectl.kubernetes.io/last-applied-configuration"

// withLastApplied returns the manifest object to send, annotated with its
// own last-applied configuration.
func withLastApplied(obj *pb.Object) (*pb.Object, error) {
	rec := &pb.Object{ApiVersion: obj.ApiVersion, Kind: obj.Kind, Body: obj.Body, Metadata: &pb.ObjectMeta{
		Name: obj.Metadata.Name, Namespace: obj.Metadata.Namespace,
		Labels: obj.Metadata.Labels, Annotations: withoutKey(obj.Metadata.Annotations, lastAppliedKey),
	}}
	m, err := manifest.Encode(rec)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	out := proto.Clone(obj).(*pb.Object)
	out.Metadata.Annotations = withoutKey(obj.Metadata.Annotations, lastAppliedKey)
	out.Metadata.Annotations[lastAppliedKey] = string(data)
	return out, nil
}

// withoutKey copies m without key k (never nil).
func withoutKey(m map[string]string, k string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for key, v := range m {
		if key != k {
			out[key] = v
		}
	}
	return out
}

// lastApplied decodes the manifest recorded on a live object, or nil.
func lastApplied(live *pb.Object) map[string]any {
	s := live.GetMetadata().GetAnnotations()[lastAppliedKey]
	if s == "" {
		return nil
	}
	v, err := decodeJSON([]byte(s))
	if err != nil {
		return nil
	}
	m, _ := v.(map[string]any)
	return m
}

// planUpdate computes the object apply sends to turn live into the
// manifest want (annotated by withLastApplied): body, labels and
// annotations are merged three-way, keeping fields the server set (defaults,
// clusterIP) and removing fields the previous manifest had and want lacks.
// changed is false when the result equals live.
func planUpdate(live, want *pb.Object) (out *pb.Object, changed bool, err error) {
	last := lastApplied(live)
	liveBody, err := decodeJSON(live.Body)
	if err != nil {
		return nil, false, err
	}
	wantBody, err := decodeJSON(want.Body)
	if err != nil {
		return nil, false, err
	}
	body := mergeValue(liveBody, wantBody, withoutEnvelope(last))
	lastMeta, _ := last["metadata"].(map[string]any)
	labels := mergeStrings(live.Metadata.Labels, want.Metadata.Labels, lastMeta["labels"])
	annotations := mergeStrings(live.Metadata.Annotations, want.Metadata.Annotations, lastMeta["annotations"])
	changed = !reflect.DeepEqual(body, liveBody) ||
		!maps.Equal(labels, live.Metadata.Labels) || !maps.Equal(annotations, live.Metadata.Annotations)
	out = proto.Clone(live).(*pb.Object)
	out.Status = nil
	out.Metadata.Labels, out.Metadata.Annotations = labels, annotations
	if len(want.Metadata.OwnerReferences) > 0 {
		out.Metadata.OwnerReferences = want.Metadata.OwnerReferences
	}
	if len(want.Metadata.Finalizers) > 0 {
		out.Metadata.Finalizers = want.Metadata.Finalizers
	}
	if out.Body, err = json.Marshal(body); err != nil {
		return nil, false, err
	}
	return out, changed, nil
}

// withoutEnvelope drops the non-body fields of a recorded manifest.
func withoutEnvelope(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for _, k := range []string{"apiVersion", "kind", "metadata", "status"} {
		delete(out, k)
	}
	return out
}

// mergeValue merges want onto live: objects key by key (keys only in last,
// the previous manifest, are removed), lists of equal length element by
// element, anything else replaced by want.
func mergeValue(live, want, last any) any {
	switch w := want.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return w
		}
		lastMap, _ := last.(map[string]any)
		out := maps.Clone(l)
		for k, v := range w {
			out[k] = mergeValue(l[k], v, lastMap[k])
		}
		for k := range lastMap {
			if _, ok := w[k]; !ok {
				delete(out, k)
			}
		}
		return out
	case []any:
		return mergeList(live, w, last)
	default:
		return want
	}
}

// mergeList merges lists of equal length element by element.
func mergeList(live any, want []any, last any) any {
	l, ok := live.([]any)
	if !ok || len(l) != len(want) {
		return want
	}
	lastList, _ := last.([]any)
	out := make([]any, len(want))
	for i := range want {
		var prev any
		if len(lastList) == len(want) {
			prev = lastList[i]
		}
		out[i] = mergeValue(l[i], want[i], prev)
	}
	return out
}

// mergeStrings merges label or annotation maps like mergeValue.
func mergeStrings(live, want map[string]string, last any) map[string]string {
	out := maps.Clone(live)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, want)
	lastMap, _ := last.(map[string]any)
	for k := range lastMap {
		if _, ok := want[k]; !ok {
			delete(out, k)
		}
	}
	if len(out) == 0 && live == nil {
		return nil
	}
	return out
}

// decodeJSON decodes JSON keeping numbers exact; empty input is an empty
// object.
func decodeJSON(data []byte) (any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return map[string]any{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

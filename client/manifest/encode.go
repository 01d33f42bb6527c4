package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"

	pb "github.com/drover/drover/proto/droverpb"
)

// field is one top-level field of an encoded object, kept in output order.
type field struct {
	key string
	val any
}

// fields lists an object's top-level fields in Kubernetes' order:
// apiVersion, kind, metadata, the body's fields (sorted), status.
func fields(obj *pb.Object) ([]field, error) {
	out := []field{
		{"apiVersion", obj.GetApiVersion()},
		{"kind", obj.GetKind()},
		{"metadata", metaToMap(obj.GetMetadata())},
	}
	body, err := decodeBody(obj.GetBody())
	if err != nil {
		return nil, err
	}
	for _, k := range sortedKeys(body) {
		out = append(out, field{k, body[k]})
	}
	if len(bytes.TrimSpace(obj.GetStatus())) > 0 {
		st, err := unmarshalJSON(obj.GetStatus())
		if err != nil {
			return nil, fmt.Errorf("status: %w", err)
		}
		out = append(out, field{"status", st})
	}
	return out, nil
}

// decodeBody decodes a body, which must be empty or a JSON object without
// reserved fields.
func decodeBody(data []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	v, err := unmarshalJSON(data)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	body, ok := v.(map[string]any)
	if !ok && v != nil {
		return nil, fmt.Errorf("body: expected a JSON object, got %T", v)
	}
	for k := range body {
		if reserved[k] {
			return nil, fmt.Errorf("body: reserved field %q", k)
		}
	}
	return body, nil
}

// Encode renders an object in Kubernetes' shape: apiVersion, kind, metadata
// (resourceVersion as a string, RFC 3339 timestamps), body fields, status.
func Encode(obj *pb.Object) (map[string]any, error) {
	fs, err := fields(obj)
	if err != nil {
		return nil, err
	}
	m := make(map[string]any, len(fs))
	for _, f := range fs {
		m[f.key] = f.val
	}
	return m, nil
}

// ToJSON renders an object as indented JSON with its fields in Kubernetes'
// order.
func ToJSON(obj *pb.Object) ([]byte, error) {
	fs, err := fields(obj)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, f := range fs {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(f.key)
		v, err := json.Marshal(f.val)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "    "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// ToYAML renders an object as YAML (keys sorted, as kubectl prints them).
func ToYAML(obj *pb.Object) ([]byte, error) {
	m, err := Encode(obj)
	if err != nil {
		return nil, err
	}
	return yaml.Marshal(m)
}

// EncodeList renders objects as a Kubernetes List.
func EncodeList(objs []*pb.Object) (map[string]any, error) {
	items := make([]any, 0, len(objs))
	for _, o := range objs {
		m, err := Encode(o)
		if err != nil {
			return nil, err
		}
		items = append(items, m)
	}
	return map[string]any{"apiVersion": "v1", "kind": "List", "items": items}, nil
}

// ListToYAML renders objects as a YAML List document.
func ListToYAML(objs []*pb.Object) ([]byte, error) {
	m, err := EncodeList(objs)
	if err != nil {
		return nil, err
	}
	return yaml.Marshal(m)
}

// ListToJSON renders objects as an indented JSON List.
func ListToJSON(objs []*pb.Object) ([]byte, error) {
	m, err := EncodeList(objs)
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(m, "", "    ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

// Into decodes an object, metadata included, into a typed Kubernetes struct
// such as *corev1.Pod.
func Into(obj *pb.Object, out any) error {
	m, err := Encode(obj)
	if err != nil {
		return err
	}
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}

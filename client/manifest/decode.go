package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	pb "github.com/drover/drover/proto/droverpb"
)

// reserved are the top-level fields that are not part of an object's body.
var reserved = map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "status": true}

// Decode parses a YAML or JSON stream into objects. YAML streams may hold
// several documents separated by "---"; empty documents are skipped, and a
// document of kind List contributes its items. Errors name the document (and
// item) they come from.
func Decode(data []byte) ([]*pb.Object, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return decodeJSONStream(trimmed)
	}
	var out []*pb.Object
	for i, doc := range splitYAML(data) {
		objs, err := decodeYAMLDoc(doc, i+1)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// decodeJSONStream decodes one or more concatenated JSON objects.
func decodeJSONStream(data []byte) ([]*pb.Object, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []*pb.Object
	for n := 1; ; n++ {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", n, err)
		}
		objs, err := fromValue(v, fmt.Sprintf("document %d", n))
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
}

// decodeYAMLDoc converts one YAML document to JSON and decodes it.
func decodeYAMLDoc(doc document, n int) ([]*pb.Object, error) {
	where := fmt.Sprintf("document %d", n)
	if isBlank(doc.data) {
		return nil, nil
	}
	js, err := yaml.YAMLToJSONStrict(doc.data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", where, absoluteLines(err.Error(), doc.startLine))
	}
	v, err := unmarshalJSON(js)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return fromValue(v, where)
}

var lineRE = regexp.MustCompile(`line (\d+)`)

// absoluteLines rewrites the parser's document-relative "line N" into a line
// number of the whole stream.
func absoluteLines(msg string, startLine int) string {
	return lineRE.ReplaceAllStringFunc(msg, func(m string) string {
		n, err := strconv.Atoi(strings.TrimPrefix(m, "line "))
		if err != nil {
			return m
		}
		return fmt.Sprintf("line %d", n+startLine-1)
	})
}

// unmarshalJSON decodes JSON keeping numbers exact.
func unmarshalJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// fromValue turns one decoded document into objects; nil documents (only
// comments, or "null") yield none.
func fromValue(v any, where string) ([]*pb.Object, error) {
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: expected a mapping with apiVersion and kind, got %T", where, v)
	}
	return fromMap(m, where)
}

// fromMap decodes one object, or the items of a List.
func fromMap(m map[string]any, where string) ([]*pb.Object, error) {
	apiVersion, kind, err := typeOf(m, where)
	if err != nil {
		return nil, err
	}
	if isList(kind, m) {
		return fromList(m, where)
	}
	obj, err := objectFromMap(apiVersion, kind, m, where)
	if err != nil {
		return nil, err
	}
	return []*pb.Object{obj}, nil
}

// typeOf returns apiVersion and kind, both required and strings.
func typeOf(m map[string]any, where string) (string, string, error) {
	apiVersion, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	var missing []string
	if apiVersion == "" {
		missing = append(missing, "apiVersion")
	}
	if kind == "" {
		missing = append(missing, "kind")
	}
	if len(missing) > 0 {
		return "", "", fmt.Errorf("%s: missing %s", where, strings.Join(missing, " and "))
	}
	return apiVersion, kind, nil
}

// isList reports whether m is a List (kind List, or FooList with items).
func isList(kind string, m map[string]any) bool {
	if kind == "List" {
		return true
	}
	_, hasItems := m["items"]
	_, known := pb.LookupKind(kind)
	return hasItems && !known && strings.HasSuffix(kind, "List")
}

// fromList decodes the items of a List document.
func fromList(m map[string]any, where string) ([]*pb.Object, error) {
	items, ok := m["items"].([]any)
	if !ok && m["items"] != nil {
		return nil, fmt.Errorf("%s: items: expected a list", where)
	}
	var out []*pb.Object
	for i, it := range items {
		objs, err := fromValue(it, fmt.Sprintf("%s, item %d", where, i+1))
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// objectFromMap builds the envelope: typed metadata, status, and the
// remaining top-level fields as the body.
func objectFromMap(apiVersion, kind string, m map[string]any, where string) (*pb.Object, error) {
	obj := &pb.Object{ApiVersion: apiVersion, Kind: kind}
	meta, err := metaFromValue(m["metadata"])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	obj.Metadata = meta
	if st, ok := m["status"]; ok && st != nil {
		if obj.Status, err = json.Marshal(st); err != nil {
			return nil, fmt.Errorf("%s: status: %w", where, err)
		}
	}
	body := make(map[string]any, len(m))
	for k, v := range m {
		if !reserved[k] {
			body[k] = v
		}
	}
	if obj.Body, err = json.Marshal(body); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return obj, nil
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	pb "github.com/drover/drover/proto/droverpb"
)

// knownMeta are the metadata fields Drover stores.
var knownMeta = map[string]bool{
	"name": true, "namespace": true, "uid": true, "resourceVersion": true,
	"generation": true, "creationTimestamp": true, "deletionTimestamp": true,
	"labels": true, "annotations": true, "ownerReferences": true,
	"finalizers": true, "generateName": true,
}

// ignoredMeta are read-only metadata fields that kubectl prints and Drover
// does not keep; they are dropped so that kubectl's output can be applied.
var ignoredMeta = map[string]bool{
	"selfLink":                   true,
	"managedFields":              true,
	"deletionGracePeriodSeconds": true,
}

// rawMeta is metadata as it appears in a manifest.
type rawMeta struct {
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace"`
	UID               string            `json:"uid"`
	ResourceVersion   resourceVersion   `json:"resourceVersion"`
	Generation        int64             `json:"generation"`
	CreationTimestamp *string           `json:"creationTimestamp"`
	DeletionTimestamp *string           `json:"deletionTimestamp"`
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
	OwnerReferences   []rawOwnerRef     `json:"ownerReferences"`
	Finalizers        []string          `json:"finalizers"`
	GenerateName      string            `json:"generateName"`
}

// rawOwnerRef is one metadata.ownerReferences entry in a manifest.
type rawOwnerRef struct {
	APIVersion         string `json:"apiVersion"`
	Kind               string `json:"kind"`
	Name               string `json:"name"`
	UID                string `json:"uid"`
	Controller         *bool  `json:"controller"`
	BlockOwnerDeletion *bool  `json:"blockOwnerDeletion"`
}

// resourceVersion accepts Kubernetes' string form ("42") and a bare number.
type resourceVersion uint64

// UnmarshalJSON implements json.Unmarshaler.
func (rv *resourceVersion) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "" || s == "null" {
		*rv = 0
		return nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("resourceVersion %s: not an unsigned integer", b)
	}
	*rv = resourceVersion(n)
	return nil
}

// metaFromValue converts a manifest's metadata to pb.ObjectMeta.
func metaFromValue(v any) (*pb.ObjectMeta, error) {
	if v == nil {
		return &pb.ObjectMeta{}, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("metadata: expected a mapping")
	}
	keep := make(map[string]any, len(m))
	for _, k := range sortedKeys(m) {
		switch {
		case knownMeta[k]:
			keep[k] = m[k]
		case !ignoredMeta[k]:
			return nil, fmt.Errorf("metadata.%s: unknown field", k)
		}
	}
	raw, err := decodeRawMeta(keep)
	if err != nil {
		return nil, err
	}
	return raw.toPB()
}

// decodeRawMeta decodes known metadata fields strictly.
func decodeRawMeta(m map[string]any) (*rawMeta, error) {
	data, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw rawMeta
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	return &raw, nil
}

// toPB converts parsed manifest metadata to the typed form.
func (r *rawMeta) toPB() (*pb.ObjectMeta, error) {
	created, err := parseTime(r.CreationTimestamp)
	if err != nil {
		return nil, fmt.Errorf("metadata.creationTimestamp: %w", err)
	}
	deleted, err := parseTime(r.DeletionTimestamp)
	if err != nil {
		return nil, fmt.Errorf("metadata.deletionTimestamp: %w", err)
	}
	md := &pb.ObjectMeta{
		Name: r.Name, Namespace: r.Namespace, Uid: r.UID,
		ResourceVersion: uint64(r.ResourceVersion), Generation: r.Generation,
		CreationTimestamp: created, DeletionTimestamp: deleted,
		Labels: r.Labels, Annotations: r.Annotations,
		Finalizers: r.Finalizers, GenerateName: r.GenerateName,
	}
	for _, o := range r.OwnerReferences {
		md.OwnerReferences = append(md.OwnerReferences, &pb.OwnerReference{
			ApiVersion: o.APIVersion, Kind: o.Kind, Name: o.Name, Uid: o.UID,
			Controller:         o.Controller != nil && *o.Controller,
			BlockOwnerDeletion: o.BlockOwnerDeletion != nil && *o.BlockOwnerDeletion,
		})
	}
	return md, nil
}

// parseTime parses an RFC 3339 timestamp into Unix nanoseconds; null and
// empty mean unset (0).
func parseTime(s *string) (int64, error) {
	if s == nil || *s == "" {
		return 0, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return 0, err
	}
	return t.UnixNano(), nil
}

// formatTime renders Unix nanoseconds as RFC 3339 in UTC (fractional
// seconds only when present).
func formatTime(ns int64) string {
	return time.Unix(0, ns).UTC().Format(time.RFC3339Nano)
}

// metaToMap renders metadata in Kubernetes' shape, omitting unset fields.
func metaToMap(md *pb.ObjectMeta) map[string]any {
	m := map[string]any{}
	if md == nil {
		return m
	}
	putString(m, "name", md.Name)
	putString(m, "generateName", md.GenerateName)
	putString(m, "namespace", md.Namespace)
	putString(m, "uid", md.Uid)
	if md.ResourceVersion != 0 {
		m["resourceVersion"] = strconv.FormatUint(md.ResourceVersion, 10)
	}
	if md.Generation != 0 {
		m["generation"] = md.Generation
	}
	if md.CreationTimestamp != 0 {
		m["creationTimestamp"] = formatTime(md.CreationTimestamp)
	}
	if md.DeletionTimestamp != 0 {
		m["deletionTimestamp"] = formatTime(md.DeletionTimestamp)
	}
	putStringMap(m, "labels", md.Labels)
	putStringMap(m, "annotations", md.Annotations)
	if len(md.OwnerReferences) > 0 {
		m["ownerReferences"] = ownerRefsToList(md.OwnerReferences)
	}
	if len(md.Finalizers) > 0 {
		m["finalizers"] = md.Finalizers
	}
	return m
}

// ownerRefsToList renders owner references in Kubernetes' shape.
func ownerRefsToList(refs []*pb.OwnerReference) []any {
	out := make([]any, 0, len(refs))
	for _, o := range refs {
		r := map[string]any{"apiVersion": o.ApiVersion, "kind": o.Kind, "name": o.Name, "uid": o.Uid}
		if o.Controller {
			r["controller"] = true
		}
		if o.BlockOwnerDeletion {
			r["blockOwnerDeletion"] = true
		}
		out = append(out, r)
	}
	return out
}

func putString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func putStringMap(m map[string]any, k string, v map[string]string) {
	if len(v) > 0 {
		m[k] = v
	}
}

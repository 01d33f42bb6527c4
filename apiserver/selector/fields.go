package selector

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/selection"
	sigsjson "sigs.k8s.io/json"

	pb "github.com/drover/drover/proto/droverpb"
)

// getter extracts one field's value from an object; lazy caches what it
// decoded for the other requirements of the same evaluation.
type getter func(l *lazy, o *pb.Object) string

// commonFields are supported for every kind.
var commonFields = map[string]getter{
	"metadata.name":      func(_ *lazy, o *pb.Object) string { return o.GetMetadata().GetName() },
	"metadata.namespace": func(_ *lazy, o *pb.Object) string { return o.GetMetadata().GetNamespace() },
}

// kindFields are the extra fields each kind supports.
var kindFields = map[string]map[string]getter{
	"Pod":       {"spec.nodeName": (*lazy).nodeName, "status.phase": (*lazy).phase},
	"Namespace": {"status.phase": (*lazy).phase},
}

// requirement is one compiled field requirement.
type requirement struct {
	get   getter
	value string
	equal bool
}

// compileFields returns nil for an empty selector.
func compileFields(k *pb.KindInfo, s string) (func(*pb.Object) bool, error) {
	if s == "" {
		return nil, nil
	}
	sel, err := fields.ParseSelector(s)
	if err != nil {
		return nil, fmt.Errorf("%w: field selector %q: %v", ErrInvalidSelector, s, err)
	}
	var reqs []requirement
	for _, r := range sel.Requirements() {
		req, err := compileRequirement(k, r)
		if err != nil {
			return nil, fmt.Errorf("%w: field selector %q: %v", ErrInvalidSelector, s, err)
		}
		reqs = append(reqs, req)
	}
	return func(o *pb.Object) bool { return matchAll(reqs, o) }, nil
}

func compileRequirement(k *pb.KindInfo, r fields.Requirement) (requirement, error) {
	get, ok := commonFields[r.Field]
	if !ok {
		get, ok = kindFields[k.Kind][r.Field]
	}
	if !ok {
		return requirement{}, fmt.Errorf("field label %q not supported for %s (supported: %s)",
			r.Field, k.Kind, strings.Join(supported(k.Kind), ", "))
	}
	switch r.Operator {
	case selection.Equals, selection.DoubleEquals:
		return requirement{get: get, value: r.Value, equal: true}, nil
	case selection.NotEquals:
		return requirement{get: get, value: r.Value}, nil
	}
	return requirement{}, fmt.Errorf("operator %q not supported for field %q", r.Operator, r.Field)
}

// supported lists the field labels a kind supports, in a stable order.
func supported(kind string) []string {
	out := []string{"metadata.name", "metadata.namespace"}
	for _, f := range []string{"spec.nodeName", "status.phase"} {
		if _, ok := kindFields[kind][f]; ok {
			out = append(out, f)
		}
	}
	return out
}

func matchAll(reqs []requirement, o *pb.Object) bool {
	var l lazy
	for _, r := range reqs {
		if (r.get(&l, o) == r.value) != r.equal {
			return false
		}
	}
	return true
}

// bodyView and statusView hold just the fields selectors read.
type bodyView struct {
	Spec struct {
		NodeName string `json:"nodeName"`
	} `json:"spec"`
}

type statusView struct {
	Phase string `json:"phase"`
}

// lazy decodes the body and status views at most once per object.
type lazy struct {
	body   *bodyView
	status *statusView
}

func (l *lazy) nodeName(o *pb.Object) string {
	if l.body == nil {
		l.body = &bodyView{}
		_ = sigsjson.UnmarshalCaseSensitivePreserveInts(o.GetBody(), l.body)
	}
	return l.body.Spec.NodeName
}

func (l *lazy) phase(o *pb.Object) string {
	if l.status == nil {
		l.status = &statusView{}
		_ = sigsjson.UnmarshalCaseSensitivePreserveInts(o.GetStatus(), l.status)
	}
	return l.status.Phase
}

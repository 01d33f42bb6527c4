// Package selector compiles Kubernetes label and field selectors into
// predicates over stored Drover objects.
package selector

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/labels"

	pb "github.com/drover/drover/proto/droverpb"
)

// ErrInvalidSelector is wrapped by every error Compile returns.
var ErrInvalidSelector = errors.New("invalid selector")

// Compile parses a label selector and a field selector, in Kubernetes
// syntax, for objects of one kind and returns a predicate that is true for
// the objects matching both. When both selectors are empty it returns a nil
// predicate: everything matches. Errors wrap ErrInvalidSelector and name the
// part that is wrong.
func Compile(kind, labelSelector, fieldSelector string) (func(*pb.Object) bool, error) {
	k, err := pb.ResolveKind(kind)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSelector, err)
	}
	labelSelector, fieldSelector = strings.TrimSpace(labelSelector), strings.TrimSpace(fieldSelector)
	if labelSelector == "" && fieldSelector == "" {
		return nil, nil
	}
	byLabels, err := compileLabels(labelSelector)
	if err != nil {
		return nil, err
	}
	byFields, err := compileFields(k, fieldSelector)
	if err != nil {
		return nil, err
	}
	return both(byLabels, byFields), nil
}

// compileLabels returns nil for an empty selector.
func compileLabels(s string) (func(*pb.Object) bool, error) {
	if s == "" {
		return nil, nil
	}
	sel, err := labels.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%w: label selector %q: %v", ErrInvalidSelector, s, err)
	}
	return func(o *pb.Object) bool {
		return sel.Matches(labels.Set(o.GetMetadata().GetLabels()))
	}, nil
}

// both combines two predicates, either of which may be nil.
func both(a, b func(*pb.Object) bool) func(*pb.Object) bool {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	return func(o *pb.Object) bool { return a(o) && b(o) }
}

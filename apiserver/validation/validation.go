package validation

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"k8s.io/apimachinery/pkg/util/validation/field"

	pb "github.com/drover/drover/proto/droverpb"
)

// Create validates and defaults a new object. It returns a normalized copy:
// the body re-encoded from its Kubernetes type with defaults applied, and
// the status cleared (Namespace starts with phase Active). obj is not
// modified. Failures wrap ErrInvalid or ErrTooLarge.
func Create(obj *pb.Object) (*pb.Object, error) {
	k, st, err := resolve(obj)
	if err != nil {
		return nil, err
	}
	m := obj.GetMetadata()
	errs := append(validateMeta(m, k), validateCreateMeta(m)...)
	body, status, bodyErrs := st.create(obj.GetBody(), obj.GetStatus())
	if errs = append(errs, bodyErrs...); len(errs) > 0 {
		return nil, newError(k, m, errs)
	}
	return finish(obj, body, status)
}

// Update validates and defaults a changed object against the stored one,
// old, rejecting changes to immutable fields. The result carries old's
// status: status only changes through UpdateStatus. Neither argument is
// modified.
func Update(obj, old *pb.Object) (*pb.Object, error) {
	k, st, err := resolvePair(obj, old)
	if err != nil {
		return nil, err
	}
	m := obj.GetMetadata()
	errs := append(validateMeta(m, k), validateMetaUpdate(m, old.GetMetadata())...)
	body, bodyErrs := st.update(obj.GetBody(), old.GetBody())
	if errs = append(errs, bodyErrs...); len(errs) > 0 {
		return nil, newError(k, m, errs)
	}
	return finish(obj, body, old.GetStatus())
}

// UpdateStatus validates a new status for the stored object old. It returns
// a copy of obj carrying old's body and metadata and the normalized status.
func UpdateStatus(obj, old *pb.Object) (*pb.Object, error) {
	k, st, err := resolvePair(obj, old)
	if err != nil {
		return nil, err
	}
	m := obj.GetMetadata()
	errs := validateMetaUpdate(m, old.GetMetadata())
	status, statusErrs := st.updateStatus(obj.GetStatus())
	if errs = append(errs, statusErrs...); len(errs) > 0 {
		return nil, newError(k, m, errs)
	}
	return finish(old, old.GetBody(), status)
}

// resolve checks an object's kind and apiVersion and finds its strategy.
func resolve(obj *pb.Object) (*pb.KindInfo, strategy, error) {
	if obj == nil {
		return nil, nil, invalidf("no object")
	}
	k, err := pb.ResolveKind(obj.GetKind())
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if k.Kind != obj.GetKind() {
		return nil, nil, invalidf("kind %q must be given by its canonical name %q", obj.GetKind(), k.Kind)
	}
	if obj.GetApiVersion() != k.APIVersion {
		return nil, nil, invalidf("apiVersion %q does not serve kind %s: use apiVersion %q",
			obj.GetApiVersion(), k.Kind, k.APIVersion)
	}
	// Size first: an oversized object is reported as such, not through
	// whichever of its fields happens to hit a limit of its own.
	if n := proto.Size(obj); n > MaxObjectBytes {
		return nil, nil, fmt.Errorf("%w: %s of %d bytes exceeds the limit of %d bytes", ErrTooLarge, k.Kind, n, MaxObjectBytes)
	}
	return k, strategies[k.Kind], nil
}

// resolvePair resolves obj and checks that old is the same kind.
func resolvePair(obj, old *pb.Object) (*pb.KindInfo, strategy, error) {
	k, st, err := resolve(obj)
	if err != nil {
		return nil, nil, err
	}
	if old == nil {
		return nil, nil, invalidf("no stored object to update")
	}
	if old.GetKind() != obj.GetKind() {
		return nil, nil, invalidf("kind %s cannot replace stored kind %s", obj.GetKind(), old.GetKind())
	}
	return k, st, nil
}

// finish builds the result from src's envelope and checks its size.
func finish(src *pb.Object, body, status []byte) (*pb.Object, error) {
	out := &pb.Object{
		ApiVersion: src.GetApiVersion(),
		Kind:       src.GetKind(),
		Metadata:   proto.Clone(src.GetMetadata()).(*pb.ObjectMeta),
		Body:       body,
		Status:     status,
	}
	if out.Metadata == nil {
		out.Metadata = &pb.ObjectMeta{}
	}
	if n := proto.Size(out); n > MaxObjectBytes {
		return nil, fmt.Errorf("%w: %s %q is %d bytes, over the limit of %d bytes",
			ErrTooLarge, out.Kind, out.Metadata.GetName(), n, MaxObjectBytes)
	}
	return out, nil
}

func newError(k *pb.KindInfo, m *pb.ObjectMeta, errs field.ErrorList) error {
	return &Error{QualifiedKind: qualifiedKind(k.Kind, k.APIVersion), Name: m.GetName(), Causes: errs}
}

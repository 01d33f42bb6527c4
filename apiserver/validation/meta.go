package validation

import (
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	v1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	pb "github.com/drover/drover/proto/droverpb"
)

var metaPath = field.NewPath("metadata")

// nameFunc returns the name rule of a kind, as Kubernetes applies it.
func nameFunc(kind string) apivalidation.ValidateNameFunc {
	switch kind {
	case "Namespace":
		return apivalidation.NameIsDNSLabel
	case "Service":
		return apivalidation.NameIsDNS1035Label
	}
	return apivalidation.NameIsDNSSubdomain
}

// validateMeta checks the metadata of an object of kind k.
func validateMeta(m *pb.ObjectMeta, k *pb.KindInfo) field.ErrorList {
	errs := validateName(m, k.Kind)
	errs = append(errs, validateNamespace(m.GetNamespace(), k.Namespaced)...)
	errs = append(errs, apivalidation.ValidateNonnegativeField(m.GetGeneration(), metaPath.Child("generation"))...)
	errs = append(errs, v1validation.ValidateLabels(m.GetLabels(), metaPath.Child("labels"))...)
	errs = append(errs, apivalidation.ValidateAnnotations(m.GetAnnotations(), metaPath.Child("annotations"))...)
	if refs := m.GetOwnerReferences(); len(refs) > 0 {
		errs = append(errs, apivalidation.ValidateOwnerReferences(ownerRefs(refs), metaPath.Child("ownerReferences"))...)
	}
	return append(errs, apivalidation.ValidateFinalizers(m.GetFinalizers(), metaPath.Child("finalizers"))...)
}

func validateName(m *pb.ObjectMeta, kind string) field.ErrorList {
	fn := nameFunc(kind)
	var errs field.ErrorList
	if g := m.GetGenerateName(); g != "" {
		for _, msg := range fn(g, true) {
			errs = append(errs, field.Invalid(metaPath.Child("generateName"), g, msg))
		}
	}
	name := m.GetName()
	if name == "" {
		return append(errs, field.Required(metaPath.Child("name"), "name or generateName is required"))
	}
	for _, msg := range fn(name, false) {
		errs = append(errs, field.Invalid(metaPath.Child("name"), name, msg))
	}
	return errs
}

func validateNamespace(ns string, namespaced bool) field.ErrorList {
	p := metaPath.Child("namespace")
	switch {
	case !namespaced && ns != "":
		return field.ErrorList{field.Forbidden(p, "not allowed on this type")}
	case namespaced && ns == "":
		return field.ErrorList{field.Required(p, "")}
	case namespaced:
		var errs field.ErrorList
		for _, msg := range apivalidation.ValidateNamespaceName(ns, false) {
			errs = append(errs, field.Invalid(p, ns, msg))
		}
		return errs
	}
	return nil
}

func ownerRefs(refs []*pb.OwnerReference) []metav1.OwnerReference {
	out := make([]metav1.OwnerReference, len(refs))
	for i, r := range refs {
		controller := r.GetController()
		out[i] = metav1.OwnerReference{
			APIVersion: r.GetApiVersion(),
			Kind:       r.GetKind(),
			Name:       r.GetName(),
			UID:        types.UID(r.GetUid()),
			Controller: &controller,
		}
	}
	return out
}

// validateCreateMeta adds the checks that only apply to new objects.
func validateCreateMeta(m *pb.ObjectMeta) field.ErrorList {
	if m.GetResourceVersion() != 0 {
		return field.ErrorList{field.Forbidden(metaPath.Child("resourceVersion"),
			"resourceVersion should not be set on objects to be created")}
	}
	return nil
}

// validateMetaUpdate checks the metadata fields that never change.
func validateMetaUpdate(m, old *pb.ObjectMeta) field.ErrorList {
	errs := immutable(m.GetName(), old.GetName(), metaPath.Child("name"))
	errs = append(errs, immutable(m.GetNamespace(), old.GetNamespace(), metaPath.Child("namespace"))...)
	if m.GetUid() != "" {
		errs = append(errs, immutable(m.GetUid(), old.GetUid(), metaPath.Child("uid"))...)
	}
	if m.GetCreationTimestamp() != 0 {
		errs = append(errs, immutable(m.GetCreationTimestamp(), old.GetCreationTimestamp(), metaPath.Child("creationTimestamp"))...)
	}
	return errs
}

// immutable reports "field is immutable" when v differs from old.
func immutable[V comparable](v, old V, p *field.Path) field.ErrorList {
	if v == old {
		return nil
	}
	return field.ErrorList{field.Invalid(p, v, "field is immutable")}
}

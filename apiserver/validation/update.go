package validation

import (
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validatePodUpdate allows a pod spec to change only in its images, a set
// or shortened activeDeadlineSeconds, and added tolerations.
func validatePodUpdate(p, old *corev1.Pod) field.ErrorList {
	errs := validateDeadlineUpdate(p.Spec.ActiveDeadlineSeconds, old.Spec.ActiveDeadlineSeconds)
	errs = append(errs, validateTolerationsUpdate(p.Spec.Tolerations, old.Spec.Tolerations)...)
	rest := p.Spec.DeepCopy()
	copyImages(rest.Containers, old.Spec.Containers)
	copyImages(rest.InitContainers, old.Spec.InitContainers)
	rest.ActiveDeadlineSeconds = old.Spec.ActiveDeadlineSeconds
	rest.Tolerations = old.Spec.Tolerations
	return append(errs, immutableFields(rest, &old.Spec, specPath)...)
}

// copyImages lets image changes pass the comparison that follows.
func copyImages(cs, old []corev1.Container) {
	if len(cs) != len(old) {
		return
	}
	for i := range cs {
		cs[i].Image = old[i].Image
	}
}

func validateDeadlineUpdate(d, old *int64) field.ErrorList {
	p := specPath.Child("activeDeadlineSeconds")
	switch {
	case old == nil:
		return nil
	case d == nil:
		return field.ErrorList{field.Invalid(p, d, "must not be unset once set")}
	case *d > *old:
		return field.ErrorList{field.Invalid(p, *d, "must be less than or equal to previous value")}
	}
	return nil
}

// validateTolerationsUpdate requires every old toleration to remain.
func validateTolerationsUpdate(ts, old []corev1.Toleration) field.ErrorList {
	for i := range old {
		if !containsToleration(ts, &old[i]) {
			return field.ErrorList{field.Forbidden(specPath.Child("tolerations"),
				"existing toleration can not be modified except its tolerationSeconds")}
		}
	}
	return nil
}

func containsToleration(ts []corev1.Toleration, t *corev1.Toleration) bool {
	for i := range ts {
		if ts[i].MatchToleration(t) {
			return true
		}
	}
	return false
}

// immutableFields compares two structs field by field and reports each
// differing field, by its JSON name under p, as immutable.
func immutableFields(v, old any, p *field.Path) field.ErrorList {
	a, b := reflect.ValueOf(v).Elem(), reflect.ValueOf(old).Elem()
	var errs field.ErrorList
	for i := 0; i < a.NumField(); i++ {
		if apiequality.Semantic.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
			continue
		}
		name, _, _ := strings.Cut(a.Type().Field(i).Tag.Get("json"), ",")
		errs = append(errs, field.Forbidden(p.Child(name), "field is immutable"))
	}
	return errs
}

// immutableValue reports p as immutable when v and old differ.
func immutableValue(v, old any, p *field.Path) field.ErrorList {
	if apiequality.Semantic.DeepEqual(v, old) {
		return nil
	}
	return field.ErrorList{field.Invalid(p, v, "field is immutable")}
}

package validation

import (
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	v1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	templatePath     = specPath.Child("template")
	selectorPath     = specPath.Child("selector")
	alwaysRestart    = []corev1.RestartPolicy{corev1.RestartPolicyAlways}
	deployStrategies = []appsv1.DeploymentStrategyType{appsv1.RollingUpdateDeploymentStrategyType, appsv1.RecreateDeploymentStrategyType}
	dsStrategies     = []appsv1.DaemonSetUpdateStrategyType{appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType}
)

func validateReplicaSet(rs *appsv1.ReplicaSet) field.ErrorList {
	errs := replicas(rs.Spec.Replicas)
	errs = append(errs, nonNegative(int64(rs.Spec.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	return append(errs, validateController(rs.Spec.Selector, &rs.Spec.Template, alwaysRestart, true)...)
}

func validateDaemonSet(ds *appsv1.DaemonSet) field.ErrorList {
	errs := validateController(ds.Spec.Selector, &ds.Spec.Template, alwaysRestart, true)
	errs = append(errs, nonNegative(int64(ds.Spec.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	return append(errs, oneOf(ds.Spec.UpdateStrategy.Type, dsStrategies, specPath.Child("updateStrategy", "type"))...)
}

// validateController checks a controller's selector against its pod
// template and the template itself.
func validateController(sel *metav1.LabelSelector, t *corev1.PodTemplateSpec, restart []corev1.RestartPolicy, required bool) field.ErrorList {
	errs := v1validation.ValidateLabels(t.Labels, templatePath.Child("metadata", "labels"))
	errs = append(errs, validatePodSpec(&t.Spec, templatePath.Child("spec"))...)
	if slices.Contains(restartPolicies, t.Spec.RestartPolicy) {
		errs = append(errs, oneOf(t.Spec.RestartPolicy, restart, templatePath.Child("spec", "restartPolicy"))...)
	}
	return append(errs, validateSelector(sel, t.Labels, required)...)
}

// validateSelector requires a valid selector that matches the template's
// labels; an absent one is an error only when required.
func validateSelector(sel *metav1.LabelSelector, tmplLabels map[string]string, required bool) field.ErrorList {
	if sel == nil {
		if required {
			return field.ErrorList{field.Required(selectorPath, "")}
		}
		return nil
	}
	errs := v1validation.ValidateLabelSelector(sel, v1validation.LabelSelectorValidationOptions{}, selectorPath)
	if len(errs) > 0 {
		return errs
	}
	if len(sel.MatchLabels)+len(sel.MatchExpressions) == 0 {
		return field.ErrorList{field.Invalid(selectorPath, sel, "empty selector is invalid")}
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return field.ErrorList{field.Invalid(selectorPath, sel, err.Error())}
	}
	if !s.Matches(labels.Set(tmplLabels)) {
		return field.ErrorList{field.Invalid(templatePath.Child("metadata", "labels"), tmplLabels, "`selector` does not match template `labels`")}
	}
	return nil
}

func replicas(r *int32) field.ErrorList {
	if r == nil {
		return nil
	}
	return nonNegative(int64(*r), specPath.Child("replicas"))
}

func nonNegative(v int64, p *field.Path) field.ErrorList {
	return apivalidation.ValidateNonnegativeField(v, p)
}

func optNonNegative(v *int32, p *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	return nonNegative(int64(*v), p)
}

// validateSelectorUpdate keeps a controller's selector unchanged.
func validateSelectorUpdate(sel, old *metav1.LabelSelector) field.ErrorList {
	return immutableValue(sel, old, selectorPath)
}

func defaultReplicaSet(rs *appsv1.ReplicaSet) {
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = ptr(int32(1))
	}
	defaultPodSpec(&rs.Spec.Template.Spec)
}

func defaultDaemonSet(ds *appsv1.DaemonSet) {
	u := &ds.Spec.UpdateStrategy
	if u.Type == "" {
		u.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if u.Type == appsv1.RollingUpdateDaemonSetStrategyType && u.RollingUpdate == nil {
		u.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr(intOne), MaxSurge: ptr(intZero)}
	}
	if ds.Spec.RevisionHistoryLimit == nil {
		ds.Spec.RevisionHistoryLimit = ptr(int32(10))
	}
	defaultPodSpec(&ds.Spec.Template.Spec)
}

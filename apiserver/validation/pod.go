package validation

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	v1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var specPath = field.NewPath("spec")

var (
	restartPolicies = []corev1.RestartPolicy{corev1.RestartPolicyAlways, corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}
	dnsPolicies     = []corev1.DNSPolicy{corev1.DNSClusterFirst, corev1.DNSClusterFirstWithHostNet, corev1.DNSDefault, corev1.DNSNone}
	tolerationOps   = []corev1.TolerationOperator{corev1.TolerationOpEqual, corev1.TolerationOpExists}
	taintEffects    = []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}
)

func validatePod(p *corev1.Pod) field.ErrorList {
	return validatePodSpec(&p.Spec, specPath)
}

// validatePodSpec checks the commonly used parts of a pod spec.
func validatePodSpec(s *corev1.PodSpec, p *field.Path) field.ErrorList {
	vols, errs := validateVolumes(s.Volumes, p.Child("volumes"))
	if len(s.Containers) == 0 {
		errs = append(errs, field.Required(p.Child("containers"), ""))
	}
	names := sets.New[string]()
	errs = append(errs, validateContainers(s.InitContainers, vols, names, p.Child("initContainers"))...)
	errs = append(errs, validateContainers(s.Containers, vols, names, p.Child("containers"))...)
	errs = append(errs, oneOf(s.RestartPolicy, restartPolicies, p.Child("restartPolicy"))...)
	errs = append(errs, oneOf(s.DNSPolicy, dnsPolicies, p.Child("dnsPolicy"))...)
	if s.ActiveDeadlineSeconds != nil && *s.ActiveDeadlineSeconds <= 0 {
		errs = append(errs, field.Invalid(p.Child("activeDeadlineSeconds"), *s.ActiveDeadlineSeconds, "must be greater than 0"))
	}
	if g := s.TerminationGracePeriodSeconds; g != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(*g, p.Child("terminationGracePeriodSeconds"))...)
	}
	errs = append(errs, v1validation.ValidateLabels(s.NodeSelector, p.Child("nodeSelector"))...)
	return append(errs, validateTolerations(s.Tolerations, p.Child("tolerations"))...)
}

// validateVolumes checks volume names and returns the set of them.
func validateVolumes(vols []corev1.Volume, p *field.Path) (sets.Set[string], field.ErrorList) {
	names := sets.New[string]()
	var errs field.ErrorList
	for i, v := range vols {
		vp := p.Index(i).Child("name")
		errs = append(errs, dnsLabel(v.Name, vp)...)
		if names.Has(v.Name) {
			errs = append(errs, field.Duplicate(vp, v.Name))
		}
		names.Insert(v.Name)
	}
	return names, errs
}

func validateTolerations(ts []corev1.Toleration, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	for i, t := range ts {
		tp := p.Index(i)
		if t.Key != "" {
			errs = append(errs, v1validation.ValidateLabelName(t.Key, tp.Child("key"))...)
		}
		if t.Operator != "" {
			errs = append(errs, oneOf(t.Operator, tolerationOps, tp.Child("operator"))...)
		}
		if t.Effect != "" {
			errs = append(errs, oneOf(t.Effect, taintEffects, tp.Child("effect"))...)
		}
	}
	return errs
}

// dnsLabel requires a DNS-1123 label.
func dnsLabel(v string, p *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(v) {
		errs = append(errs, field.Invalid(p, v, msg))
	}
	return errs
}

// oneOf requires v to be one of the allowed values.
func oneOf[V ~string](v V, allowed []V, p *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "")}
	}
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return field.ErrorList{field.NotSupported(p, v, allowed)}
}

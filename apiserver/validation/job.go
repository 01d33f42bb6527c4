package validation

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var jobRestart = []corev1.RestartPolicy{corev1.RestartPolicyOnFailure, corev1.RestartPolicyNever}

func validateJob(j *batchv1.Job) field.ErrorList {
	s := &j.Spec
	errs := optNonNegative(s.Completions, specPath.Child("completions"))
	errs = append(errs, optNonNegative(s.Parallelism, specPath.Child("parallelism"))...)
	errs = append(errs, optNonNegative(s.BackoffLimit, specPath.Child("backoffLimit"))...)
	if d := s.ActiveDeadlineSeconds; d != nil && *d <= 0 {
		errs = append(errs, field.Invalid(specPath.Child("activeDeadlineSeconds"), *d, "must be greater than 0"))
	}
	if ttl := s.TTLSecondsAfterFinished; ttl != nil {
		errs = append(errs, nonNegative(int64(*ttl), specPath.Child("ttlSecondsAfterFinished"))...)
	}
	return append(errs, validateController(s.Selector, &s.Template, jobRestart, false)...)
}

// validateJobUpdate keeps a job's selector and pod template unchanged.
func validateJobUpdate(j, old *batchv1.Job) field.ErrorList {
	errs := validateSelectorUpdate(j.Spec.Selector, old.Spec.Selector)
	return append(errs, immutableFields(&j.Spec.Template, &old.Spec.Template, templatePath)...)
}

// defaultJob applies Kubernetes' job defaults: completions 1 unless only
// parallelism is given (a work queue), parallelism 1, backoffLimit 6. An
// absent selector stays absent.
func defaultJob(j *batchv1.Job) {
	s := &j.Spec
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = ptr(int32(1))
	}
	if s.Parallelism == nil {
		s.Parallelism = ptr(int32(1))
	}
	if s.BackoffLimit == nil {
		s.BackoffLimit = ptr(int32(6))
	}
	defaultPodSpec(&s.Template.Spec)
}

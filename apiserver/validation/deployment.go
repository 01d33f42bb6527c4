package validation

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	intOne         = intstr.FromInt32(1)
	intZero        = intstr.FromInt32(0)
	quarter        = intstr.FromString("25%")
	strategyPath   = specPath.Child("strategy")
	rollingPath    = strategyPath.Child("rollingUpdate")
	defaultHistory = int32(10)
	defaultPDS     = int32(600)
)

func validateDeployment(d *appsv1.Deployment) field.ErrorList {
	s := &d.Spec
	errs := replicas(s.Replicas)
	errs = append(errs, nonNegative(int64(s.MinReadySeconds), specPath.Child("minReadySeconds"))...)
	errs = append(errs, optNonNegative(s.RevisionHistoryLimit, specPath.Child("revisionHistoryLimit"))...)
	if pds := s.ProgressDeadlineSeconds; pds != nil && *pds <= s.MinReadySeconds {
		errs = append(errs, field.Invalid(specPath.Child("progressDeadlineSeconds"), *pds, "must be greater than minReadySeconds"))
	}
	errs = append(errs, validateStrategy(&s.Strategy)...)
	return append(errs, validateController(s.Selector, &s.Template, alwaysRestart, true)...)
}

func validateStrategy(st *appsv1.DeploymentStrategy) field.ErrorList {
	errs := oneOf(st.Type, deployStrategies, strategyPath.Child("type"))
	ru := st.RollingUpdate
	switch {
	case ru == nil:
		return errs
	case st.Type == appsv1.RecreateDeploymentStrategyType:
		return append(errs, field.Forbidden(rollingPath, "may not be specified when strategy `type` is 'Recreate'"))
	}
	errs = append(errs, intOrPercent(ru.MaxUnavailable, rollingPath.Child("maxUnavailable"))...)
	errs = append(errs, intOrPercent(ru.MaxSurge, rollingPath.Child("maxSurge"))...)
	if isZero(ru.MaxUnavailable) && isZero(ru.MaxSurge) {
		errs = append(errs, field.Invalid(rollingPath.Child("maxUnavailable"), ru.MaxUnavailable.String(), "may not be 0 when `maxSurge` is 0"))
	}
	return errs
}

// intOrPercent requires a non-negative integer or a percentage up to 100%.
func intOrPercent(v *intstr.IntOrString, p *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	if v.Type == intstr.Int {
		return nonNegative(int64(v.IntVal), p)
	}
	var errs field.ErrorList
	for _, msg := range validation.IsValidPercent(v.StrVal) {
		errs = append(errs, field.Invalid(p, v.StrVal, msg))
	}
	if len(errs) == 0 {
		if n, _ := intstr.GetScaledValueFromIntOrPercent(v, 100, false); n > 100 {
			errs = append(errs, field.Invalid(p, v.StrVal, "must not be greater than 100%"))
		}
	}
	return errs
}

func isZero(v *intstr.IntOrString) bool {
	if v == nil {
		return false
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, 100, false)
	return err == nil && n == 0
}

func defaultDeployment(d *appsv1.Deployment) {
	s := &d.Spec
	if s.Replicas == nil {
		s.Replicas = ptr(int32(1))
	}
	if s.Strategy.Type == "" {
		s.Strategy.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if s.Strategy.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if s.Strategy.RollingUpdate == nil {
			s.Strategy.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		ru := s.Strategy.RollingUpdate
		if ru.MaxUnavailable == nil {
			ru.MaxUnavailable = ptr(quarter)
		}
		if ru.MaxSurge == nil {
			ru.MaxSurge = ptr(quarter)
		}
	}
	if s.RevisionHistoryLimit == nil {
		s.RevisionHistoryLimit = ptr(defaultHistory)
	}
	if s.ProgressDeadlineSeconds == nil {
		s.ProgressDeadlineSeconds = ptr(defaultPDS)
	}
	defaultPodSpec(&s.Template.Spec)
}

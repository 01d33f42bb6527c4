package validation

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	podPhases       = []corev1.PodPhase{corev1.PodPending, corev1.PodRunning, corev1.PodSucceeded, corev1.PodFailed, corev1.PodUnknown}
	namespacePhases = []corev1.NamespacePhase{corev1.NamespaceActive, corev1.NamespaceTerminating}
	nodePhases      = []corev1.NodePhase{corev1.NodePending, corev1.NodeRunning, corev1.NodeTerminated}
	statusPath      = field.NewPath("status")
)

// optPhase checks a phase against its enum when it is set.
func optPhase[V ~string](v V, allowed []V) field.ErrorList {
	if v == "" {
		return nil
	}
	return oneOf(v, allowed, statusPath.Child("phase"))
}

func validatePodStatus(s *corev1.PodStatus) field.ErrorList {
	return optPhase(s.Phase, podPhases)
}

func validateNamespaceStatus(s *corev1.NamespaceStatus) field.ErrorList {
	return optPhase(s.Phase, namespacePhases)
}

func validateNodeStatus(s *corev1.NodeStatus) field.ErrorList {
	return optPhase(s.Phase, nodePhases)
}

// validateEndpoints checks endpoint addresses and ports.
func validateEndpoints(e *corev1.Endpoints) field.ErrorList {
	var errs field.ErrorList
	for i, s := range e.Subsets {
		sp := field.NewPath("subsets").Index(i)
		for j, p := range s.Ports {
			errs = append(errs, portNum(int(p.Port), sp.Child("ports").Index(j).Child("port"))...)
		}
	}
	return errs
}

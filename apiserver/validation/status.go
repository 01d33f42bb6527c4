package validation

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// count is one named counter of a status.
type count struct {
	name string
	n    int32
}

// validateCounts requires every counter of a status to be >= 0.
func validateCounts(counts ...count) field.ErrorList {
	var errs field.ErrorList
	for _, c := range counts {
		errs = append(errs, nonNegative(int64(c.n), statusPath.Child(c.name))...)
	}
	return errs
}

func validateReplicaSetStatus(s *appsv1.ReplicaSetStatus) field.ErrorList {
	return validateCounts(count{"replicas", s.Replicas}, count{"fullyLabeledReplicas", s.FullyLabeledReplicas},
		count{"readyReplicas", s.ReadyReplicas}, count{"availableReplicas", s.AvailableReplicas})
}

func validateDeploymentStatus(s *appsv1.DeploymentStatus) field.ErrorList {
	return validateCounts(count{"replicas", s.Replicas}, count{"updatedReplicas", s.UpdatedReplicas},
		count{"readyReplicas", s.ReadyReplicas}, count{"availableReplicas", s.AvailableReplicas},
		count{"unavailableReplicas", s.UnavailableReplicas})
}

func validateDaemonSetStatus(s *appsv1.DaemonSetStatus) field.ErrorList {
	return validateCounts(count{"currentNumberScheduled", s.CurrentNumberScheduled},
		count{"numberMisscheduled", s.NumberMisscheduled}, count{"desiredNumberScheduled", s.DesiredNumberScheduled},
		count{"numberReady", s.NumberReady}, count{"updatedNumberScheduled", s.UpdatedNumberScheduled},
		count{"numberAvailable", s.NumberAvailable}, count{"numberUnavailable", s.NumberUnavailable})
}

func validateJobStatus(s *batchv1.JobStatus) field.ErrorList {
	return validateCounts(count{"active", s.Active}, count{"succeeded", s.Succeeded}, count{"failed", s.Failed})
}

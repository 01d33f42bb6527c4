package validation

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// strategies maps each canonical kind to its rules.
var strategies = map[string]strategy{
	"Namespace": &typed[corev1.Namespace, corev1.NamespaceStatus]{
		validateStatus: validateNamespaceStatus,
		initialStatus:  []byte(`{"phase":"Active"}`),
	},
	"Node": &typed[corev1.Node, corev1.NodeStatus]{validateStatus: validateNodeStatus},
	"Pod": &typed[corev1.Pod, corev1.PodStatus]{
		defaults: defaultPod, validate: validatePod, validateUpdate: validatePodUpdate,
		validateStatus: validatePodStatus,
	},
	"ReplicaSet": &typed[appsv1.ReplicaSet, appsv1.ReplicaSetStatus]{
		defaults: defaultReplicaSet, validate: validateReplicaSet,
		validateUpdate: func(rs, old *appsv1.ReplicaSet) field.ErrorList {
			return validateSelectorUpdate(rs.Spec.Selector, old.Spec.Selector)
		},
		validateStatus: validateReplicaSetStatus,
	},
	"Deployment": &typed[appsv1.Deployment, appsv1.DeploymentStatus]{
		defaults: defaultDeployment, validate: validateDeployment,
		validateUpdate: func(d, old *appsv1.Deployment) field.ErrorList {
			return validateSelectorUpdate(d.Spec.Selector, old.Spec.Selector)
		},
		validateStatus: validateDeploymentStatus,
	},
	"DaemonSet": &typed[appsv1.DaemonSet, appsv1.DaemonSetStatus]{
		defaults: defaultDaemonSet, validate: validateDaemonSet,
		validateUpdate: func(ds, old *appsv1.DaemonSet) field.ErrorList {
			return validateSelectorUpdate(ds.Spec.Selector, old.Spec.Selector)
		},
		validateStatus: validateDaemonSetStatus,
	},
	"Job": &typed[batchv1.Job, batchv1.JobStatus]{
		defaults: defaultJob, validate: validateJob, validateUpdate: validateJobUpdate,
		validateStatus: validateJobStatus,
	},
	"Service": &typed[corev1.Service, corev1.ServiceStatus]{
		defaults: defaultService, validate: validateService, validateUpdate: validateServiceUpdate,
	},
	"Endpoints": &typed[corev1.Endpoints, struct{}]{validate: validateEndpoints, noStatus: true},
	"ConfigMap": &typed[corev1.ConfigMap, struct{}]{
		validate: validateConfigMap, validateUpdate: validateConfigMapUpdate, noStatus: true,
		oldMatters: storedImmutable,
	},
	"Secret": &typed[corev1.Secret, struct{}]{
		prepare: mergeStringData, defaults: defaultSecret, validate: validateSecret,
		validateUpdate: validateSecretUpdate, noStatus: true,
	},
	"Event": &typed[corev1.Event, struct{}]{noStatus: true},
}

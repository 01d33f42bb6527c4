package validation

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// strategies maps each canonical kind to its rules.
var strategies = map[string]strategy{
	"Namespace": &typed[corev1.Namespace, corev1.NamespaceStatus]{
		initialStatus: []byte(`{"phase":"Active"}`),
	},
	"Node":       &typed[corev1.Node, corev1.NodeStatus]{},
	"Pod":        &typed[corev1.Pod, corev1.PodStatus]{},
	"ReplicaSet": &typed[appsv1.ReplicaSet, appsv1.ReplicaSetStatus]{},
	"Deployment": &typed[appsv1.Deployment, appsv1.DeploymentStatus]{},
	"DaemonSet":  &typed[appsv1.DaemonSet, appsv1.DaemonSetStatus]{},
	"Job":        &typed[batchv1.Job, batchv1.JobStatus]{},
	"Service":    &typed[corev1.Service, corev1.ServiceStatus]{},
	"Endpoints":  &typed[corev1.Endpoints, struct{}]{noStatus: true},
	"ConfigMap":  &typed[corev1.ConfigMap, struct{}]{noStatus: true},
	"Secret":     &typed[corev1.Secret, struct{}]{noStatus: true},
	"Event":      &typed[corev1.Event, struct{}]{noStatus: true},
}

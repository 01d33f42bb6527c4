package main

import "testing"

func TestResolveKind(t *testing.T) {
	tests := map[string]string{
		"pods": "Pod", "po": "Pod", "pod": "Pod", "Pod": "Pod",
		"deploy": "Deployment", "deployments.apps": "Deployment", "deployment.apps/v1": "Deployment",
		"svc": "Service", "cm": "ConfigMap", "ns": "Namespace", "no": "Node", "ev": "Event",
		"rs": "ReplicaSet", "ds": "DaemonSet", "jobs.batch": "Job", "ep": "Endpoints", "secrets": "Secret",
	}
	for in, want := range tests {
		k, err := resolveKind(in)
		if err != nil || k.Kind != want {
			t.Errorf("resolveKind(%q) = %v, %v; want %s", in, k, err, want)
		}
	}
	for _, bad := range []string{"widgets", "deployments.batch", "pods.apps", ""} {
		if _, err := resolveKind(bad); err == nil {
			t.Errorf("resolveKind(%q) succeeded", bad)
		}
	}
}

func TestResourceName(t *testing.T) {
	if got := resourceName("Deployment", "apps/v1"); got != "deployment.apps" {
		t.Errorf("got %q", got)
	}
	if got := resourceName("Pod", "v1"); got != "pod" {
		t.Errorf("got %q", got)
	}
}

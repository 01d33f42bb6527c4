package main

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

func init() {
	describeAs("Deployment", describeDeployment)
	describeAs("ReplicaSet", describeReplicaSet)
	describeAs("DaemonSet", describeDaemonSet)
	describeAs("Job", describeJob)
	describeAs("Service", describeService)
	describeAs("Endpoints", describeEndpoints)
	describeAs("ConfigMap", describeConfigMap)
	describeAs("Secret", describeSecret)
	describeAs("Namespace", describeNamespace)
	describeAs("Node", describeNode)
	describeAs("Event", describeEvent)
}

func describeDeployment(d *describer, dep *appsv1.Deployment) {
	s := dep.Status
	d.line(0, "Selector:\t%s", selectorString(dep.Spec.Selector))
	d.line(0, "Replicas:\t%d desired | %d updated | %d total | %d available | %d unavailable",
		int32Or(dep.Spec.Replicas, 1), s.UpdatedReplicas, s.Replicas, s.AvailableReplicas, s.UnavailableReplicas)
	d.line(0, "StrategyType:\t%s", orDefault(string(dep.Spec.Strategy.Type), "RollingUpdate"))
	d.podTemplate(&dep.Spec.Template)
	d.conditions(len(s.Conditions), func(i int) (string, string, string) {
		c := s.Conditions[i]
		return string(c.Type), string(c.Status), c.Reason
	})
}

func describeReplicaSet(d *describer, rs *appsv1.ReplicaSet) {
	d.line(0, "Selector:\t%s", selectorString(rs.Spec.Selector))
	d.line(0, "Replicas:\t%d current / %d desired", rs.Status.Replicas, int32Or(rs.Spec.Replicas, 1))
	d.line(0, "Pods Status:\t%d Ready / %d Available", rs.Status.ReadyReplicas, rs.Status.AvailableReplicas)
	d.podTemplate(&rs.Spec.Template)
}

func describeDaemonSet(d *describer, ds *appsv1.DaemonSet) {
	s := ds.Status
	d.line(0, "Selector:\t%s", selectorString(ds.Spec.Selector))
	d.line(0, "Node-Selector:\t%s", orNone(formatMap(ds.Spec.Template.Spec.NodeSelector)))
	d.line(0, "Desired Number of Nodes Scheduled:\t%d", s.DesiredNumberScheduled)
	d.line(0, "Current Number of Nodes Scheduled:\t%d", s.CurrentNumberScheduled)
	d.line(0, "Number of Nodes Scheduled with Up-to-date Pods:\t%d", s.UpdatedNumberScheduled)
	d.line(0, "Number of Nodes Scheduled with Available Pods:\t%d", s.NumberAvailable)
	d.podTemplate(&ds.Spec.Template)
}

func describeJob(d *describer, j *batchv1.Job) {
	d.line(0, "Selector:\t%s", selectorString(j.Spec.Selector))
	d.line(0, "Parallelism:\t%d", int32Or(j.Spec.Parallelism, 1))
	d.line(0, "Completions:\t%s", optInt32(j.Spec.Completions))
	d.line(0, "Backoff Limit:\t%s", optInt32(j.Spec.BackoffLimit))
	if j.Status.StartTime != nil {
		d.line(0, "Start Time:\t%s", j.Status.StartTime.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	}
	if j.Status.CompletionTime != nil {
		d.line(0, "Completed At:\t%s", j.Status.CompletionTime.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	}
	d.line(0, "Duration:\t%s", orNone(jobDuration(j, d.now)))
	d.line(0, "Pods Statuses:\t%d Active / %d Succeeded / %d Failed", j.Status.Active, j.Status.Succeeded, j.Status.Failed)
	d.podTemplate(&j.Spec.Template)
}

// optInt32 renders an optional number, "<unset>" when nil.
func optInt32(p *int32) string {
	if p == nil {
		return "<unset>"
	}
	return fmt.Sprint(*p)
}

// podTemplate writes a controller's pod template.
func (d *describer) podTemplate(t *corev1.PodTemplateSpec) {
	d.line(0, "Pod Template:")
	d.stringMap(1, "Labels", t.Labels)
	d.line(1, "Containers:")
	d.containers(2, t.Spec.Containers, nil)
}

// conditions writes a Type/Status/Reason table of n conditions.
func (d *describer) conditions(n int, at func(i int) (typ, status, reason string)) {
	if n == 0 {
		return
	}
	d.line(0, "Conditions:")
	d.line(1, "Type\tStatus\tReason")
	for i := range n {
		t, s, r := at(i)
		d.line(1, "%s\t%s\t%s", t, s, orDefault(r, "-"))
	}
}

func describeService(d *describer, s *corev1.Service) {
	d.line(0, "Selector:\t%s", orNone(formatMap(s.Spec.Selector)))
	d.line(0, "Type:\t%s", orDefault(string(s.Spec.Type), "ClusterIP"))
	d.line(0, "IP:\t%s", orNone(s.Spec.ClusterIP))
	if ext := externalIPs(s); ext != "<none>" {
		d.line(0, "External IPs:\t%s", ext)
	}
	for _, p := range s.Spec.Ports {
		proto := orDefault(string(p.Protocol), "TCP")
		d.line(0, "Port:\t%s  %d/%s", orDefault(p.Name, "<unset>"), p.Port, proto)
		d.line(0, "TargetPort:\t%s/%s", p.TargetPort.String(), proto)
		if p.NodePort != 0 {
			d.line(0, "NodePort:\t%s  %d/%s", orDefault(p.Name, "<unset>"), p.NodePort, proto)
		}
	}
	d.line(0, "Session Affinity:\t%s", orDefault(string(s.Spec.SessionAffinity), "None"))
}

func describeEndpoints(d *describer, e *corev1.Endpoints) {
	d.line(0, "Subsets:")
	for _, ss := range e.Subsets {
		d.line(1, "Addresses:\t%s", joinOrNone(endpointIPs(ss.Addresses)))
		d.line(1, "NotReadyAddresses:\t%s", joinOrNone(endpointIPs(ss.NotReadyAddresses)))
		d.line(1, "Ports:")
		for _, p := range ss.Ports {
			d.line(2, "%s\t%d\t%s", orDefault(p.Name, "<unset>"), p.Port, orDefault(string(p.Protocol), "TCP"))
		}
	}
}

// endpointIPs lists the IPs of endpoint addresses.
func endpointIPs(as []corev1.EndpointAddress) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.IP)
	}
	return out
}

func describeConfigMap(d *describer, cm *corev1.ConfigMap) {
	d.line(0, "")
	d.line(0, "Data")
	d.line(0, "====")
	for _, k := range sortedKeys(cm.Data) {
		d.line(0, "%s:", k)
		d.line(0, "----")
		d.line(0, "%s", strings.TrimRight(cm.Data[k], "\n"))
		d.line(0, "")
	}
	d.line(0, "BinaryData")
	d.line(0, "====")
	for _, k := range sortedKeys(cm.BinaryData) {
		d.line(0, "%s: %d bytes", k, len(cm.BinaryData[k]))
	}
}

func describeSecret(d *describer, s *corev1.Secret) {
	d.line(0, "")
	d.line(0, "Type:\t%s", orDefault(string(s.Type), "Opaque"))
	d.line(0, "")
	d.line(0, "Data")
	d.line(0, "====")
	for _, k := range sortedKeys(s.Data) {
		d.line(0, "%s:\t%d bytes", k, len(s.Data[k]))
	}
}

func describeNamespace(d *describer, ns *corev1.Namespace) {
	d.line(0, "Status:\t%s", orDefault(string(ns.Status.Phase), "Active"))
}

func describeNode(d *describer, n *corev1.Node) {
	d.line(0, "Roles:\t%s", nodeRoles(n))
	d.line(0, "Unschedulable:\t%t", n.Spec.Unschedulable)
	d.line(0, "PodCIDR:\t%s", orNone(n.Spec.PodCIDR))
	d.conditions(len(n.Status.Conditions), func(i int) (string, string, string) {
		c := n.Status.Conditions[i]
		return string(c.Type), string(c.Status), c.Reason
	})
	d.line(0, "Addresses:")
	for _, a := range n.Status.Addresses {
		d.line(1, "%s:\t%s", a.Type, a.Address)
	}
	info := n.Status.NodeInfo
	d.line(0, "System Info:")
	d.line(1, "Kernel Version:\t%s", info.KernelVersion)
	d.line(1, "OS Image:\t%s", info.OSImage)
	d.line(1, "Container Runtime Version:\t%s", info.ContainerRuntimeVersion)
	d.line(1, "Kubelet Version:\t%s", info.KubeletVersion)
}

func describeEvent(d *describer, e *corev1.Event) {
	d.line(0, "Type:\t%s", e.Type)
	d.line(0, "Reason:\t%s", e.Reason)
	d.line(0, "Object:\t%s/%s", strings.ToLower(e.InvolvedObject.Kind), e.InvolvedObject.Name)
	d.line(0, "Count:\t%d", e.Count)
	d.line(0, "Last Seen:\t%s", eventLastSeen(e, d.now))
	d.line(0, "Message:\t%s", e.Message)
}

package main

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// nodeRolePrefix marks role labels (node-role.kubernetes.io/control-plane).
const nodeRolePrefix = "node-role.kubernetes.io/"

func init() {
	register("Namespace", []string{"NAME", "STATUS", "AGE"}, nil, namespaceRow)
	register("Node", []string{"NAME", "STATUS", "ROLES", "AGE", "VERSION"},
		[]string{"INTERNAL-IP", "EXTERNAL-IP", "OS-IMAGE", "KERNEL-VERSION", "CONTAINER-RUNTIME"}, nodeRow)
	register("Event", []string{"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}, nil, eventRow)
}

func namespaceRow(ns *corev1.Namespace, now time.Time) []string {
	return []string{ns.Name, orDefault(string(ns.Status.Phase), "Active"), since(&ns.ObjectMeta, now)}
}

func nodeRow(n *corev1.Node, now time.Time) []string {
	info := n.Status.NodeInfo
	return []string{n.Name, nodeStatus(n), nodeRoles(n), since(&n.ObjectMeta, now), orNone(info.KubeletVersion),
		nodeAddress(n, corev1.NodeInternalIP), nodeAddress(n, corev1.NodeExternalIP),
		orDefault(info.OSImage, "<unknown>"), orDefault(info.KernelVersion, "<unknown>"),
		orDefault(info.ContainerRuntimeVersion, "<unknown>")}
}

// nodeStatus is Ready, NotReady or Unknown, plus SchedulingDisabled when
// cordoned.
func nodeStatus(n *corev1.Node) string {
	st := "Unknown"
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			st = "NotReady"
			if c.Status == corev1.ConditionTrue {
				st = "Ready"
			}
		}
	}
	if n.Spec.Unschedulable {
		st += ",SchedulingDisabled"
	}
	return st
}

// nodeRoles lists the node-role.kubernetes.io/ROLE labels.
func nodeRoles(n *corev1.Node) string {
	var roles []string
	for k := range n.Labels {
		if r, ok := strings.CutPrefix(k, nodeRolePrefix); ok && r != "" {
			roles = append(roles, r)
		}
	}
	sort.Strings(roles)
	return joinOrNone(roles)
}

// nodeAddress returns the first address of a type, or "<none>".
func nodeAddress(n *corev1.Node, t corev1.NodeAddressType) string {
	for _, a := range n.Status.Addresses {
		if a.Type == t {
			return a.Address
		}
	}
	return "<none>"
}

func eventRow(e *corev1.Event, now time.Time) []string {
	obj := strings.ToLower(e.InvolvedObject.Kind) + "/" + e.InvolvedObject.Name
	return []string{eventLastSeen(e, now), e.Type, e.Reason, obj, strings.TrimSpace(e.Message)}
}

// eventLastSeen is the age of the event's latest occurrence.
func eventLastSeen(e *corev1.Event, now time.Time) string {
	switch {
	case !e.LastTimestamp.IsZero():
		return age(e.LastTimestamp.Time, now)
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return age(e.Series.LastObservedTime.Time, now)
	case !e.EventTime.IsZero():
		return age(e.EventTime.Time, now)
	}
	return since(&e.ObjectMeta, now)
}

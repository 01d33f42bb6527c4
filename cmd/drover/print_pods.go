package main

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func init() {
	register("Pod", []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE"}, []string{"IP", "NODE"}, podRow)
}

func podRow(p *corev1.Pod, now time.Time) []string {
	return []string{p.Name, podReady(p), podStatus(p), podRestarts(p, now), since(&p.ObjectMeta, now),
		orNone(p.Status.PodIP), orNone(p.Spec.NodeName)}
}

// podReady is "ready containers/containers".
func podReady(p *corev1.Pod) string {
	ready := 0
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Ready {
			ready++
		}
	}
	return fmt.Sprintf("%d/%d", ready, len(p.Spec.Containers))
}

// podStatus is kubectl's STATUS: the phase, refined by the pod's reason,
// its init containers and the state of its containers.
func podStatus(p *corev1.Pod) string {
	reason := string(p.Status.Phase)
	if p.Status.Reason != "" {
		reason = p.Status.Reason
	}
	if r, ok := initReason(p); ok {
		reason = r
	} else {
		reason = containerReason(p, reason)
	}
	if p.DeletionTimestamp != nil {
		return "Terminating"
	}
	if reason == "" {
		return "Pending"
	}
	return reason
}

// initReason reports an init container still keeping the pod from
// starting ("Init:0/2", "Init:CrashLoopBackOff").
func initReason(p *corev1.Pod) (string, bool) {
	for i, cs := range p.Status.InitContainerStatuses {
		switch {
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0:
			continue
		case cs.State.Terminated != nil:
			return "Init:" + orDefault(cs.State.Terminated.Reason, fmt.Sprintf("ExitCode:%d", cs.State.Terminated.ExitCode)), true
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "" && cs.State.Waiting.Reason != "PodInitializing":
			return "Init:" + cs.State.Waiting.Reason, true
		default:
			return fmt.Sprintf("Init:%d/%d", i, len(p.Spec.InitContainers)), true
		}
	}
	return "", false
}

// containerReason refines reason by the containers' states, last first.
func containerReason(p *corev1.Pod, reason string) string {
	running := false
	for i := len(p.Status.ContainerStatuses) - 1; i >= 0; i-- {
		st := p.Status.ContainerStatuses[i].State
		switch {
		case st.Waiting != nil && st.Waiting.Reason != "":
			reason = st.Waiting.Reason
		case st.Terminated != nil && st.Terminated.Reason != "":
			reason = st.Terminated.Reason
		case st.Terminated != nil && st.Terminated.Signal != 0:
			reason = fmt.Sprintf("Signal:%d", st.Terminated.Signal)
		case st.Terminated != nil:
			reason = fmt.Sprintf("ExitCode:%d", st.Terminated.ExitCode)
		case st.Running != nil && p.Status.ContainerStatuses[i].Ready:
			running = true
		}
	}
	if reason == "Completed" && running {
		return "Running"
	}
	return reason
}

// podRestarts sums restarts, with the time since the last one.
func podRestarts(p *corev1.Pod, now time.Time) string {
	var n int32
	var last time.Time
	for _, cs := range p.Status.ContainerStatuses {
		n += cs.RestartCount
		if t := cs.LastTerminationState.Terminated; t != nil && t.FinishedAt.After(last) {
			last = t.FinishedAt.Time
		}
	}
	if n > 0 && !last.IsZero() {
		return fmt.Sprintf("%d (%s ago)", n, age(last, now))
	}
	return fmt.Sprint(n)
}

// orDefault is s, or def when empty.
func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

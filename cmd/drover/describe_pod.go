package main

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/drover/drover/client/manifest"
	pb "github.com/drover/drover/proto/droverpb"
)

// describers adds the kind-specific sections of describe.
var describers = map[string]func(*describer, *pb.Object) error{}

// describeAs registers a kind's describer, decoding objects into T.
func describeAs[T any](kind string, f func(*describer, *T)) {
	describers[kind] = func(d *describer, obj *pb.Object) error {
		var t T
		if err := manifest.Into(obj, &t); err != nil {
			return err
		}
		f(d, &t)
		return nil
	}
}

func init() {
	describeAs("Pod", describePod)
}

func describePod(d *describer, p *corev1.Pod) {
	d.line(0, "Node:\t%s", orNone(p.Spec.NodeName))
	d.line(0, "Status:\t%s", podStatus(p))
	d.line(0, "IP:\t%s", orNone(p.Status.PodIP))
	statuses := map[string]corev1.ContainerStatus{}
	for _, cs := range p.Status.ContainerStatuses {
		statuses[cs.Name] = cs
	}
	if len(p.Spec.InitContainers) > 0 {
		d.line(0, "Init Containers:")
		d.containers(1, p.Spec.InitContainers, statuses)
	}
	d.line(0, "Containers:")
	d.containers(1, p.Spec.Containers, statuses)
	d.podConditions(p.Status.Conditions)
}

// containers writes each container of a pod or pod template at an indent
// level; statuses may be empty (templates).
func (d *describer) containers(level int, cs []corev1.Container, statuses map[string]corev1.ContainerStatus) {
	for _, c := range cs {
		d.line(level, "%s:", c.Name)
		d.level = level + 1
		d.line(0, "Image:\t%s", c.Image)
		if len(c.Command) > 0 {
			d.line(0, "Command:\t%s", strings.Join(c.Command, " "))
		}
		if len(c.Args) > 0 {
			d.line(0, "Args:\t%s", strings.Join(c.Args, " "))
		}
		d.line(0, "Ports:\t%s", containerPorts(c.Ports))
		if st, ok := statuses[c.Name]; ok {
			d.containerStatus(st)
		}
		d.resources(c.Resources)
		d.env(c.Env)
		d.level = 0
	}
}

// containerPorts renders "80/TCP, 443/TCP".
func containerPorts(ports []corev1.ContainerPort) string {
	var out []string
	for _, p := range ports {
		out = append(out, fmt.Sprintf("%d/%s", p.ContainerPort, orDefault(string(p.Protocol), "TCP")))
	}
	return orNone(strings.Join(out, ", "))
}

// containerStatus writes a container's state, readiness and restarts.
func (d *describer) containerStatus(st corev1.ContainerStatus) {
	s := st.State
	switch {
	case s.Running != nil:
		d.line(0, "State:\tRunning")
		d.line(1, "Started:\t%s", s.Running.StartedAt.Format("Mon, 02 Jan 2006 15:04:05 -0700"))
	case s.Waiting != nil:
		d.line(0, "State:\tWaiting")
		d.line(1, "Reason:\t%s", s.Waiting.Reason)
	case s.Terminated != nil:
		d.line(0, "State:\tTerminated")
		d.line(1, "Reason:\t%s", s.Terminated.Reason)
		d.line(1, "Exit Code:\t%d", s.Terminated.ExitCode)
	}
	d.line(0, "Ready:\t%t", st.Ready)
	d.line(0, "Restart Count:\t%d", st.RestartCount)
}

// resources writes limits and requests.
func (d *describer) resources(r corev1.ResourceRequirements) {
	for _, part := range []struct {
		title string
		list  corev1.ResourceList
	}{{"Limits", r.Limits}, {"Requests", r.Requests}} {
		if len(part.list) == 0 {
			continue
		}
		d.line(0, "%s:", part.title)
		for _, name := range sortedKeys(part.list) {
			q := part.list[name]
			d.line(1, "%s:\t%s", name, q.String())
		}
	}
}

// env writes the environment; values from sources are summarized.
func (d *describer) env(env []corev1.EnvVar) {
	if len(env) == 0 {
		d.line(0, "Environment:\t<none>")
		return
	}
	d.line(0, "Environment:")
	for _, e := range env {
		d.line(1, "%s:\t%s", e.Name, envValue(e))
	}
}

// envValue renders a literal value or names its source.
func envValue(e corev1.EnvVar) string {
	src := e.ValueFrom
	switch {
	case src == nil:
		return e.Value
	case src.ConfigMapKeyRef != nil:
		return fmt.Sprintf("<set to the key '%s' of config map '%s'>", src.ConfigMapKeyRef.Key, src.ConfigMapKeyRef.Name)
	case src.SecretKeyRef != nil:
		return fmt.Sprintf("<set to the key '%s' in secret '%s'>", src.SecretKeyRef.Key, src.SecretKeyRef.Name)
	case src.FieldRef != nil:
		return fmt.Sprintf("(%s:%s)", src.FieldRef.APIVersion, src.FieldRef.FieldPath)
	}
	return "<from a source>"
}

// podConditions writes the pod's conditions as a small table.
func (d *describer) podConditions(cs []corev1.PodCondition) {
	if len(cs) == 0 {
		return
	}
	d.line(0, "Conditions:")
	d.line(1, "Type\tStatus")
	for _, c := range cs {
		d.line(1, "%s\t%s", c.Type, c.Status)
	}
}

package main

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// wideWorkload are the -o wide columns of controllers.
var wideWorkload = []string{"CONTAINERS", "IMAGES", "SELECTOR"}

func init() {
	register("Deployment", []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"}, wideWorkload, deploymentRow)
	register("ReplicaSet", []string{"NAME", "DESIRED", "CURRENT", "READY", "AGE"}, wideWorkload, replicaSetRow)
	register("DaemonSet", []string{"NAME", "DESIRED", "CURRENT", "READY", "UP-TO-DATE", "AVAILABLE", "NODE SELECTOR", "AGE"}, wideWorkload, daemonSetRow)
	register("Job", []string{"NAME", "COMPLETIONS", "DURATION", "AGE"}, wideWorkload, jobRow)
}

func deploymentRow(d *appsv1.Deployment, now time.Time) []string {
	s := d.Status
	return append([]string{d.Name,
		fmt.Sprintf("%d/%d", s.ReadyReplicas, int32Or(d.Spec.Replicas, 1)),
		fmt.Sprint(s.UpdatedReplicas), fmt.Sprint(s.AvailableReplicas), since(&d.ObjectMeta, now),
	}, podTemplateCells(&d.Spec.Template.Spec, selectorString(d.Spec.Selector))...)
}

func replicaSetRow(rs *appsv1.ReplicaSet, now time.Time) []string {
	s := rs.Status
	return append([]string{rs.Name,
		fmt.Sprint(int32Or(rs.Spec.Replicas, 1)), fmt.Sprint(s.Replicas), fmt.Sprint(s.ReadyReplicas),
		since(&rs.ObjectMeta, now),
	}, podTemplateCells(&rs.Spec.Template.Spec, selectorString(rs.Spec.Selector))...)
}

func daemonSetRow(ds *appsv1.DaemonSet, now time.Time) []string {
	s := ds.Status
	return append([]string{ds.Name,
		fmt.Sprint(s.DesiredNumberScheduled), fmt.Sprint(s.CurrentNumberScheduled), fmt.Sprint(s.NumberReady),
		fmt.Sprint(s.UpdatedNumberScheduled), fmt.Sprint(s.NumberAvailable),
		orNone(formatMap(ds.Spec.Template.Spec.NodeSelector)), since(&ds.ObjectMeta, now),
	}, podTemplateCells(&ds.Spec.Template.Spec, selectorString(ds.Spec.Selector))...)
}

func jobRow(j *batchv1.Job, now time.Time) []string {
	return append([]string{j.Name, jobCompletions(j), jobDuration(j, now), since(&j.ObjectMeta, now)},
		podTemplateCells(&j.Spec.Template.Spec, selectorString(j.Spec.Selector))...)
}

// jobCompletions is kubectl's COMPLETIONS: succeeded/completions.
func jobCompletions(j *batchv1.Job) string {
	if j.Spec.Completions != nil {
		return fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	}
	if p := int32Or(j.Spec.Parallelism, 1); p > 1 {
		return fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, p)
	}
	return fmt.Sprintf("%d/1", j.Status.Succeeded)
}

// jobDuration is the time from start to completion (or now).
func jobDuration(j *batchv1.Job, now time.Time) string {
	if j.Status.StartTime == nil {
		return ""
	}
	end := now
	if j.Status.CompletionTime != nil {
		end = j.Status.CompletionTime.Time
	}
	return duration.HumanDuration(end.Sub(j.Status.StartTime.Time))
}

// podTemplateCells are the wide CONTAINERS IMAGES SELECTOR cells.
func podTemplateCells(spec *corev1.PodSpec, selector string) []string {
	var names, images []string
	for _, c := range spec.Containers {
		names = append(names, c.Name)
		images = append(images, c.Image)
	}
	return []string{joinOrNone(names), joinOrNone(images), selector}
}

// formatMap renders k=v pairs sorted by key, comma-separated.
func formatMap(m map[string]string) string {
	pairs := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		pairs = append(pairs, k+"="+m[k])
	}
	return strings.Join(pairs, ",")
}

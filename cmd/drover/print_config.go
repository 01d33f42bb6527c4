package main

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// maxEndpoints is how many addresses the ENDPOINTS column shows.
const maxEndpoints = 3

func init() {
	register("Service", []string{"NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"}, []string{"SELECTOR"}, serviceRow)
	register("Endpoints", []string{"NAME", "ENDPOINTS", "AGE"}, nil, endpointsRow)
	register("ConfigMap", []string{"NAME", "DATA", "AGE"}, nil, configMapRow)
	register("Secret", []string{"NAME", "TYPE", "DATA", "AGE"}, nil, secretRow)
}

func serviceRow(s *corev1.Service, now time.Time) []string {
	typ := orDefault(string(s.Spec.Type), string(corev1.ServiceTypeClusterIP))
	return []string{s.Name, typ, orNone(s.Spec.ClusterIP), externalIPs(s), servicePorts(s.Spec.Ports),
		since(&s.ObjectMeta, now), orNone(formatMap(s.Spec.Selector))}
}

// externalIPs is kubectl's EXTERNAL-IP: load balancer ingress and
// spec.externalIPs, "<pending>" for a load balancer without one.
func externalIPs(s *corev1.Service) string {
	ips := append([]string{}, s.Spec.ExternalIPs...)
	for _, in := range s.Status.LoadBalancer.Ingress {
		ips = append(ips, orDefault(in.IP, in.Hostname))
	}
	if len(ips) == 0 && s.Spec.Type == corev1.ServiceTypeLoadBalancer {
		return "<pending>"
	}
	if s.Spec.Type == corev1.ServiceTypeExternalName {
		return s.Spec.ExternalName
	}
	return joinOrNone(ips)
}

// servicePorts renders "80/TCP,443:30443/TCP".
func servicePorts(ports []corev1.ServicePort) string {
	var out []string
	for _, p := range ports {
		proto := orDefault(string(p.Protocol), "TCP")
		if p.NodePort != 0 {
			out = append(out, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, proto))
		} else {
			out = append(out, fmt.Sprintf("%d/%s", p.Port, proto))
		}
	}
	return joinOrNone(out)
}

func endpointsRow(e *corev1.Endpoints, now time.Time) []string {
	return []string{e.Name, endpointList(e.Subsets), since(&e.ObjectMeta, now)}
}

// endpointList renders up to maxEndpoints address:port pairs.
func endpointList(subsets []corev1.EndpointSubset) string {
	var all []string
	for _, ss := range subsets {
		for _, a := range ss.Addresses {
			if len(ss.Ports) == 0 {
				all = append(all, a.IP)
			}
			for _, p := range ss.Ports {
				all = append(all, fmt.Sprintf("%s:%d", a.IP, p.Port))
			}
		}
	}
	if len(all) > maxEndpoints {
		return strings.Join(all[:maxEndpoints], ",") + fmt.Sprintf(" + %d more...", len(all)-maxEndpoints)
	}
	return joinOrNone(all)
}

func configMapRow(cm *corev1.ConfigMap, now time.Time) []string {
	return []string{cm.Name, fmt.Sprint(len(cm.Data) + len(cm.BinaryData)), since(&cm.ObjectMeta, now)}
}

func secretRow(s *corev1.Secret, now time.Time) []string {
	typ := orDefault(string(s.Type), string(corev1.SecretTypeOpaque))
	return []string{s.Name, typ, fmt.Sprint(len(s.Data) + len(s.StringData)), since(&s.ObjectMeta, now)}
}

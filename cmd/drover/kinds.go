package main

import (
	"strings"

	pb "github.com/drover/drover/proto/droverpb"
)

// resolveKind accepts every name kubectl does for a kind: canonical,
// singular, plural, short, each optionally qualified by its API group
// ("deployments.apps", "deploy.apps/v1").
func resolveKind(name string) (*pb.KindInfo, error) {
	if k, ok := pb.LookupKind(name); ok {
		return k, nil
	}
	base, group, found := strings.Cut(name, ".")
	if found {
		group, _, _ = strings.Cut(group, "/")
		if k, ok := pb.LookupKind(base); ok && strings.EqualFold(group, apiGroup(k.APIVersion)) {
			return k, nil
		}
	}
	return nil, pb.ErrUnknownKind{Name: name}
}

// apiGroup returns the group of an apiVersion ("apps" of "apps/v1", "" of
// "v1").
func apiGroup(apiVersion string) string {
	group, _, found := strings.Cut(apiVersion, "/")
	if !found {
		return ""
	}
	return group
}

// resourceName is kubectl's name for a kind in messages: "pod",
// "deployment.apps".
func resourceName(kind, apiVersion string) string {
	name := strings.ToLower(kind)
	if g := apiGroup(apiVersion); g != "" {
		name += "." + g
	}
	return name
}

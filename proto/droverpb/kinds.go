package droverpb

import (
	"fmt"
	"sort"
	"strings"
)

// KindInfo describes one object kind Drover serves.
type KindInfo struct {
	// Kind is the canonical name, as in a manifest's kind field.
	Kind string
	// APIVersion is the apiVersion Drover accepts and prints.
	APIVersion string
	// Plural is the lower-case plural resource name (pods, deployments).
	Plural string
	// ShortNames are kubectl's abbreviations (po, deploy, svc).
	ShortNames []string
	// Namespaced is false for cluster-scoped kinds.
	Namespaced bool
}

// Kinds lists every kind Drover serves, in the order `drover get all`-style
// listings use.
var Kinds = []KindInfo{
	{Kind: "Namespace", APIVersion: "v1", Plural: "namespaces", ShortNames: []string{"ns"}},
	{Kind: "Node", APIVersion: "v1", Plural: "nodes", ShortNames: []string{"no"}},
	{Kind: "Pod", APIVersion: "v1", Plural: "pods", ShortNames: []string{"po"}, Namespaced: true},
	{Kind: "ReplicaSet", APIVersion: "apps/v1", Plural: "replicasets", ShortNames: []string{"rs"}, Namespaced: true},
	{Kind: "Deployment", APIVersion: "apps/v1", Plural: "deployments", ShortNames: []string{"deploy"}, Namespaced: true},
	{Kind: "DaemonSet", APIVersion: "apps/v1", Plural: "daemonsets", ShortNames: []string{"ds"}, Namespaced: true},
	{Kind: "Job", APIVersion: "batch/v1", Plural: "jobs", Namespaced: true},
	{Kind: "Service", APIVersion: "v1", Plural: "services", ShortNames: []string{"svc"}, Namespaced: true},
	{Kind: "Endpoints", APIVersion: "v1", Plural: "endpoints", ShortNames: []string{"ep"}, Namespaced: true},
	{Kind: "ConfigMap", APIVersion: "v1", Plural: "configmaps", ShortNames: []string{"cm"}, Namespaced: true},
	{Kind: "Secret", APIVersion: "v1", Plural: "secrets", Namespaced: true},
	{Kind: "Event", APIVersion: "v1", Plural: "events", ShortNames: []string{"ev"}, Namespaced: true},
}

var kindIndex = buildKindIndex()

func buildKindIndex() map[string]*KindInfo {
	idx := make(map[string]*KindInfo)
	for i := range Kinds {
		k := &Kinds[i]
		idx[strings.ToLower(k.Kind)] = k
		idx[k.Plural] = k
		for _, s := range k.ShortNames {
			idx[s] = k
		}
	}
	return idx
}

// LookupKind resolves a kind by its canonical name, singular, plural or short
// name, case-insensitively ("Pod", "pods", "po"). The second result is false
// for an unknown kind.
func LookupKind(name string) (*KindInfo, bool) {
	k, ok := kindIndex[strings.ToLower(name)]
	return k, ok
}

// ErrUnknownKind reports a kind Drover does not serve; its message lists the
// kinds that exist.
type ErrUnknownKind struct{ Name string }

func (e ErrUnknownKind) Error() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = k.Kind
	}
	sort.Strings(names)
	return fmt.Sprintf("unknown kind %q (known kinds: %s)", e.Name, strings.Join(names, ", "))
}

// ResolveKind is LookupKind returning an ErrUnknownKind for unknown names.
func ResolveKind(name string) (*KindInfo, error) {
	if k, ok := LookupKind(name); ok {
		return k, nil
	}
	return nil, ErrUnknownKind{Name: name}
}

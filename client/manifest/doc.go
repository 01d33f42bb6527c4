// Package manifest converts between Kubernetes-shaped manifests (YAML or
// JSON, as kubectl reads and prints them) and Drover's pb.Object envelope.
//
// Decode splits a stream into documents, checks apiVersion and kind, maps
// metadata onto the typed pb.ObjectMeta (rejecting unknown metadata fields,
// dropping only the read-only ones kubectl prints) and keeps every other
// top-level field as the JSON body. Encode is its inverse, so that the output
// of `drover get -o yaml` can be applied again. Into decodes an object into a
// typed k8s.io/api struct for printers and describe.
package manifest

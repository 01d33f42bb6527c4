// Package validation checks, defaults and normalizes Drover objects before
// they are stored, following Kubernetes' rules for the kinds Drover serves.
//
// Every object is decoded strictly into its Kubernetes Go type (k8s.io/api),
// so unknown or misspelled fields are rejected with their path; then the
// Kubernetes defaults are applied, the typed object is validated, and it is
// re-encoded so that the stored body is canonical. See DESIGN.md.
package validation

//go:build !chaosbug_stale_read

package apiserver

// plantedStaleReads is false in every real build; see plantedbug_on.go.
const plantedStaleReads = false

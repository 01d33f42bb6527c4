//go:build chaosbug_stale_read

package apiserver

// plantedStaleReads plants a bug on purpose: followers answer linearizable
// reads from their local state. cluster-test builds drover with
// `-tags chaosbug_stale_read` to prove its linearizability checker catches
// it (cluster-test/plantedbug_test.go). Never ship this tag.
const plantedStaleReads = true

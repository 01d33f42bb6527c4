// Package node runs one Drover control-plane peer: it opens the FSM and the
// Raft store, serves the gRPC API, and runs the leader-only work (term
// establishment, member registration, default namespace, history
// compaction) in one context per term.
package node

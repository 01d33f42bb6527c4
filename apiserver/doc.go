// Package apiserver serves Drover's gRPC API on every node: validation and
// defaulting (through apiserver/validation), stamping of server-owned fields,
// proposing writes to Raft on the leader, forwarding writes and
// linearizable reads from followers to the leader, reads from the local
// FSM, and Watch (an in-process fan-out of committed events backed by the
// history bucket).
package apiserver

// Package raftstore is Drover's replicated object store: the Raft wiring
// (hashicorp/raft with raft-wal as log and stable store, file snapshots), the
// FSM that applies commands into bbolt, the event history, snapshots and
// compaction. See DESIGN.md beside this file for the bucket layout and the
// durability rules.
package raftstore

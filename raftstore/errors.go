package raftstore

import "errors"

// Sentinel errors returned by the store. Callers test them with errors.Is;
// the API layer translates them to gRPC codes in one table. Each is wrapped
// with a message that names the object and the values involved.
var (
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a create named an object that exists.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: a resourceVersion or uid precondition did not hold.
	ErrConflict = errors.New("conflict")
	// ErrNamespaceNotFound: the object's namespace does not exist.
	ErrNamespaceNotFound = errors.New("namespace not found")
	// ErrNamespaceTerminating: the object's namespace is being deleted.
	ErrNamespaceTerminating = errors.New("namespace is terminating")
	// ErrCompacted: the requested revision is older than the retained history.
	ErrCompacted = errors.New("compacted")
	// ErrFutureRevision: the requested revision has not been applied yet.
	ErrFutureRevision = errors.New("revision not yet applied")
	// ErrInvalidCommand: a command could not be decoded or names an unknown
	// operation. An undecodable Raft entry is fatal to the FSM; this error is
	// returned by tools that replay entries.
	ErrInvalidCommand = errors.New("invalid command")
	// ErrCorruptLog: a Raft log entry does not match its checksum, or the
	// log cannot be read back as written (DESIGN.md, "Log entry
	// envelope"). OpenStore refuses to start with it; the FSM stops the
	// process rather than apply such an entry.
	ErrCorruptLog = errors.New("corrupt Raft log entry")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("store closed")
	// ErrNotLeader: this node is not the leader (or has not yet established
	// its term); the operation was not proposed and may be sent to the
	// leader.
	ErrNotLeader = errors.New("not the leader")
	// ErrOutcomeUnknown: leadership was lost while a write was in flight; it
	// may or may not have been applied.
	ErrOutcomeUnknown = errors.New("outcome unknown")
)

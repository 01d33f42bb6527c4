package linear

import "github.com/drover/drover/cluster-test/history"

// effect is how a call may change the model's state.
type effect uint8

const (
	// read: a get or a list at the latest revision, with its result.
	read effect = iota
	// applied: a write that took effect with a known revision (an ok
	// write, or an unknown one the log shows applied).
	applied
	// failed: a write the cluster definitely refused.
	failed
	// maybe: an unknown write the log cannot settle; it forks the state.
	maybe
)

// refusal is what a definite failure says about the state it saw.
type refusal uint8

const (
	// refusedAnyway: says nothing (invalid argument, precondition of the
	// namespace, an unexpected code).
	refusedAnyway refusal = iota
	// refusedExists: AlreadyExists, the object was present.
	refusedExists
	// refusedAbsent: NotFound, the object was absent.
	refusedAbsent
	// refusedConflict: Aborted, present with another resourceVersion.
	refusedConflict
)

// item is one object of a list's result, with names and values interned.
type item struct {
	key   int
	value int32
	rv    uint64
}

// call is one operation as the model sees it: porcupine's input (its
// output is unused, the call carries its own result).
type call struct {
	op     *history.Operation
	kind   history.Kind
	effect effect
	// key is the object (an index into hist.names); -1 for a list.
	key int
	// value is what a create or update wrote.
	value int32
	pre   uint64
	// refusal qualifies a failed write.
	refusal refusal
	// Results: found, outValue and rv for a get or write (a delete's rv is
	// the deleting revision, outValue the deleted value); items and
	// revision for a list.
	found    bool
	outValue int32
	rv       uint64
	items    []item
	revision uint64
	// resolved marks an unknown write the log settled as applied.
	resolved bool
	// invoke and ret are porcupine's interval.
	invoke, ret int64
}

package linear

import "github.com/drover/drover/cluster-test/history"

// definiteWriteCodes are the gRPC codes by which the cluster says a write
// did not take effect.
var definiteWriteCodes = map[string]refusal{
	"AlreadyExists":      refusedExists,
	"NotFound":           refusedAbsent,
	"Aborted":            refusedConflict,
	"FailedPrecondition": refusedAnyway,
	"InvalidArgument":    refusedAnyway,
}

// uncertain reports whether a write may or may not have taken effect: an
// Unknown outcome, or a Fail whose code is not a definite refusal (a
// harness bug Classify reports; here it is treated as unknown).
func uncertain(op *history.Operation) bool {
	if op.Outcome == history.Unknown {
		return true
	}
	_, definite := definiteWriteCodes[op.Code]
	return op.Outcome == history.Fail && !definite
}

// fate is what the log says about an uncertain write.
type fate uint8

const (
	// unsettled: the log cannot tell; the write forks the model's state.
	unsettled fate = iota
	// tookEffect: the log holds the write's event.
	tookEffect
	// neverHappened: a complete log does not hold it.
	neverHappened
)

// resolution is an uncertain write's fate and, if it took effect, its event
// (from the log, or made up from a read that returned its value).
type resolution struct {
	fate   fate
	event  history.Event
	byRead bool
}

// resolver settles uncertain writes against the log and, when the log is
// incomplete, against what reads returned.
type resolver struct {
	lx *logIndex
	// deletes holds the resolution of each uncertain delete by op index.
	deletes map[int]resolution
	// seen holds each value an ok, non-stale read returned.
	seen map[string]history.Item
}

// newResolver prepares the resolution of ops' uncertain deletes, which
// needs the whole history: a DELETED event settles at most one of them.
func newResolver(ops []history.Operation, lx *logIndex) *resolver {
	return &resolver{lx: lx, deletes: resolveDeletes(ops, lx), seen: seenValues(ops)}
}

// seenValues collects the objects ok, non-stale reads returned, by value.
func seenValues(ops []history.Operation) map[string]history.Item {
	seen := map[string]history.Item{}
	for i := range ops {
		op := &ops[i]
		if op.Outcome != history.OK || op.Stale {
			continue
		}
		if op.Kind == history.Get && op.Found {
			seen[op.Result.Value] = *op.Result
		}
		for _, it := range op.Items {
			seen[it.Value] = it
		}
	}
	return seen
}

// resolve settles the uncertain write ops[i]. A create or update took
// effect if the log holds its unique value; if the log is complete and
// does not, it never did; if the log is incomplete, a read that returned
// the value shows it took effect at the revision the read returned.
func (r *resolver) resolve(ops []history.Operation, i int) resolution {
	op := &ops[i]
	if op.Kind == history.Delete {
		return r.deletes[i]
	}
	if e, ok := r.lx.byValue[op.Value]; ok {
		return settled(op, e, false)
	}
	if r.lx.complete {
		return resolution{fate: neverHappened}
	}
	if it, ok := r.seen[op.Value]; ok {
		return settled(op, history.Event{Name: it.Name, Value: it.Value, Revision: it.Revision}, true)
	}
	return resolution{fate: unsettled}
}

// settled is the resolution of a create or update whose value event e
// holds; if e is about another object, the model is left to judge.
func settled(op *history.Operation, e history.Event, byRead bool) resolution {
	if e.Name != op.Name {
		return resolution{fate: unsettled}
	}
	return resolution{fate: tookEffect, event: e, byRead: byRead}
}

// resolveDeletes matches uncertain deletes with DELETED events no ok
// delete claims. A delete with precondition P matches a DELETED event of
// its object whose deleted value was written at P. It is settled as
// applied only if it matches exactly one event and that event matches no
// other delete; with no match in a complete log it never happened.
func resolveDeletes(ops []history.Operation, lx *logIndex) map[int]resolution {
	rvOf := writtenAt(ops, lx)
	claimed := claimedDeletes(ops)
	cands := map[int][]history.Event{}
	claims := map[deleteKey]int{}
	for i := range ops {
		op := &ops[i]
		if op.Kind != history.Delete || !uncertain(op) {
			continue
		}
		cands[i] = lx.deleteCandidates(op, claimed, rvOf)
		for _, e := range cands[i] {
			claims[keyOf(e)]++
		}
	}
	return settleDeletes(ops, cands, claims, rvOf, lx.complete)
}

// deleteCandidates lists the DELETED events of op's object that no ok
// delete claims and that op's precondition allows.
func (lx *logIndex) deleteCandidates(op *history.Operation, claimed map[deleteKey]bool, rvOf map[string]uint64) []history.Event {
	var out []history.Event
	for _, e := range lx.deletes[op.Name] {
		if !claimed[keyOf(e)] && deleteMayMatch(op, rvOf[e.Value]) {
			out = append(out, e)
		}
	}
	return out
}

// settleDeletes turns each uncertain delete's candidate events into its
// resolution.
func settleDeletes(ops []history.Operation, cands map[int][]history.Event, claims map[deleteKey]int, rvOf map[string]uint64, complete bool) map[int]resolution {
	out := map[int]resolution{}
	for i, es := range cands {
		switch {
		case len(es) == 0 && complete:
			out[i] = resolution{fate: neverHappened}
		case len(es) == 1 && claims[keyOf(es[0])] == 1 && deleteMatches(&ops[i], rvOf[es[0].Value]):
			out[i] = resolution{fate: tookEffect, event: es[0]}
		default:
			out[i] = resolution{fate: unsettled}
		}
	}
	return out
}

// deleteMayMatch reports whether a delete could have removed a state
// written at rv (0: unknown).
func deleteMayMatch(op *history.Operation, rv uint64) bool {
	return op.Precondition == 0 || rv == 0 || rv == op.Precondition
}

// deleteMatches reports whether a delete certainly could have removed a
// state written at rv.
func deleteMatches(op *history.Operation, rv uint64) bool {
	return op.Precondition == 0 || rv == op.Precondition
}

// writtenAt maps each written value to the revision that wrote it, from
// the log, ok writes and reads.
func writtenAt(ops []history.Operation, lx *logIndex) map[string]uint64 {
	rv := map[string]uint64{}
	for v, it := range seenValues(ops) {
		rv[v] = it.Revision
	}
	for i := range ops {
		op := &ops[i]
		if op.Kind != history.Delete && op.Kind.IsWrite() && op.Outcome == history.OK && op.Result != nil {
			rv[op.Value] = op.Result.Revision
		}
	}
	for v, e := range lx.byValue {
		rv[v] = e.Revision
	}
	return rv
}

// deleteKey names one DELETED event: several objects may be deleted at
// one revision (one Raft entry carries several ops).
type deleteKey struct {
	rev  uint64
	name string
}

func keyOf(e history.Event) deleteKey { return deleteKey{e.Revision, e.Name} }

// claimedDeletes is the set of deletions ok deletes returned.
func claimedDeletes(ops []history.Operation) map[deleteKey]bool {
	claimed := map[deleteKey]bool{}
	for i := range ops {
		op := &ops[i]
		if op.Kind == history.Delete && op.Outcome == history.OK && op.Result != nil {
			claimed[deleteKey{op.Result.Revision, op.Name}] = true
		}
	}
	return claimed
}

package linear

import (
	"sort"

	"github.com/drover/drover/cluster-test/history"
)

// bounds answers: by when had revision rv certainly been committed? An
// operation that returned at t with a revision >= rv (a write's new
// resourceVersion, an object a get returned, a list's revision) proves
// that the entry at rv was committed, hence linearized, before t. This
// bounds the return time of an unknown write the log settled as applied,
// which otherwise would stay pending to the end of the history.
type bounds struct {
	revs []uint64 // ascending
	// minRet[i] is the earliest return among observations of revs[i:].
	minRet []int64
}

// observation is one revision an operation proved committed.
type observation struct {
	rev uint64
	ret int64
}

// newBounds collects the observations of the ok, non-stale operations.
func newBounds(ops []history.Operation) bounds {
	var obs []observation
	for i := range ops {
		if rev := observed(&ops[i]); rev > 0 {
			obs = append(obs, observation{rev, ops[i].Return})
		}
	}
	sort.Slice(obs, func(i, j int) bool { return obs[i].rev < obs[j].rev })
	b := bounds{revs: make([]uint64, len(obs)), minRet: make([]int64, len(obs))}
	for i := len(obs) - 1; i >= 0; i-- {
		b.revs[i], b.minRet[i] = obs[i].rev, obs[i].ret
		if i+1 < len(obs) {
			b.minRet[i] = min(b.minRet[i], b.minRet[i+1])
		}
	}
	return b
}

// observed is the highest revision op's answer proves committed (0: none).
func observed(op *history.Operation) uint64 {
	if op.Outcome != history.OK || op.Stale {
		return 0
	}
	if op.Kind == history.List {
		return op.Revision
	}
	if op.Result != nil {
		return op.Result.Revision
	}
	return 0
}

// committedBy is the earliest time revision rv is known committed, or
// horizon if no operation shows it.
func (b bounds) committedBy(rv uint64, horizon int64) int64 {
	i := sort.Search(len(b.revs), func(i int) bool { return b.revs[i] >= rv })
	if i == len(b.revs) {
		return horizon
	}
	return b.minRet[i]
}

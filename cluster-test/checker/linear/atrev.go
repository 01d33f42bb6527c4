package linear

import (
	"fmt"
	"sort"

	"github.com/drover/drover/cluster-test/history"
)

// checkListsAtRevision compares every list at a past revision R with the
// log replayed to R; it needs a complete log (otherwise it checks nothing
// and says so in Stats). It returns "" or the first difference.
func (h *hist) checkListsAtRevision() string {
	if !h.lx.complete {
		return ""
	}
	lists := append([]*history.Operation(nil), h.atRev...)
	sort.SliceStable(lists, func(i, j int) bool { return lists[i].AtRevision < lists[j].AtRevision })
	state, next := snapshot{}, 0
	for _, op := range lists {
		h.lx.stateAt(op.AtRevision, state, &next)
		if d := diffList(op, state); d != "" {
			return d
		}
	}
	return ""
}

// diffList compares a list at a past revision with the log's state there.
func diffList(op *history.Operation, want snapshot) string {
	if op.Revision != op.AtRevision {
		return fmt.Sprintf("%s: asked for revision %d, read at %d", describeOp(op), op.AtRevision, op.Revision)
	}
	return diffItems(op, op.AtRevision, want)
}

// diffItems compares a list's items with the log's state at revision at.
func diffItems(op *history.Operation, at uint64, want snapshot) string {
	for _, it := range op.Items {
		if w, ok := want[it.Name]; !ok || w != it {
			return fmt.Sprintf("%s: the log at %d has %s", describeOp(op), at, describeLogged(it.Name, w, ok))
		}
	}
	if len(op.Items) != len(want) {
		return fmt.Sprintf("%s: %d objects, the log at %d has %d", describeOp(op), len(op.Items), at, len(want))
	}
	return ""
}

// describeLogged renders an object of the replayed log.
func describeLogged(name string, it history.Item, ok bool) string {
	if !ok {
		return "no " + name
	}
	return fmt.Sprintf("%s=%q@%d", it.Name, it.Value, it.Revision)
}

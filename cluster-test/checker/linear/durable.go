package linear

import (
	"fmt"
	"slices"
	"strings"

	"github.com/drover/drover/cluster-test/history"
)

// Verdicts of CheckDurable.
const (
	Durable    = "durable"
	NotDurable = "NOT durable"
	// LogIncomplete is the verdict when the only problems are acked
	// writes missing from a log that is not complete.
	LogIncomplete = "unknown: log incomplete"
)

// durability collects P3's findings.
type durability struct {
	lx    *logIndex
	byRev map[uint64][]history.Event // one revision may hold several changes
	// problems are definite; missing may be gaps of an incomplete log.
	problems, missing []string
}

// CheckDurable checks P3: every ok write is in the log at its revision
// with its value (a delete: a DELETED event of its object there); the log
// holds no write that no operation issued or that was refused; and, with a
// complete log, the last list at the latest revision equals the log
// replayed to that list's revision.
func CheckDurable(in Input) Result {
	res := Result{Property: "P3"}
	lx, err := indexLog(in.Log, in.LogComplete)
	if err != nil {
		res.Verdict, res.Detail = InvalidHistory, err.Error()
		return res
	}
	d := &durability{lx: lx, byRev: map[uint64][]history.Event{}}
	for _, e := range lx.events {
		d.byRev[e.Revision] = append(d.byRev[e.Revision], e)
	}
	d.acked(in.Ops)
	d.unexplained(in.Ops)
	d.finalRead(in.Ops)
	return d.result(res)
}

// acked checks that each ok write is in the log.
func (d *durability) acked(ops []history.Operation) {
	for i := range ops {
		op := &ops[i]
		if !op.Kind.IsWrite() || op.Outcome != history.OK || op.Result == nil {
			continue
		}
		es := d.byRev[op.Result.Revision]
		switch {
		case len(es) == 0:
			d.missing = append(d.missing, "acked write not in the log: "+describeOp(op))
		case !slices.ContainsFunc(es, func(e history.Event) bool { return loggedAs(e, op) }):
			d.problems = append(d.problems, fmt.Sprintf("%s: the log at %d has %s", describeOp(op), es[0].Revision, describeEvent(es[0])))
		}
	}
}

// loggedAs reports whether event e records ok write op.
func loggedAs(e history.Event, op *history.Operation) bool {
	switch op.Kind {
	case history.Create:
		return e.Type == history.Added && e.Name == op.Name && e.Value == op.Value
	case history.Update:
		return e.Type == history.Modified && e.Name == op.Name && e.Value == op.Value
	}
	return e.Type == history.Deleted && e.Name == op.Name && e.Value == op.Result.Value
}

// unexplained checks that each logged change was issued by some write
// that was not refused.
func (d *durability) unexplained(ops []history.Operation) {
	writers := map[string]*history.Operation{}
	for i := range ops {
		if ops[i].Kind.IsWrite() && ops[i].Value != "" {
			writers[ops[i].Value] = &ops[i]
		}
	}
	explained := explainedDeletes(ops, d.lx)
	for _, e := range d.lx.events {
		if msg := explainEvent(e, writers, explained); msg != "" {
			d.problems = append(d.problems, msg)
		}
	}
}

// explainEvent says what is wrong with logged event e, or "".
func explainEvent(e history.Event, writers map[string]*history.Operation, explained map[deleteKey]bool) string {
	if e.Type == history.Deleted {
		if explained[keyOf(e)] {
			return ""
		}
		return "the log has a delete no delete can account for: " + describeEvent(e)
	}
	w := writers[e.Value]
	switch {
	case w == nil:
		return "the log has a write no operation issued: " + describeEvent(e)
	case w.Name != e.Name || (w.Kind == history.Create) != (e.Type == history.Added):
		return fmt.Sprintf("the log has %s for %s", describeEvent(e), describeOp(w))
	case w.Outcome == history.Fail && !uncertain(w):
		return fmt.Sprintf("a refused write took effect: %s, logged as %s", describeOp(w), describeEvent(e))
	}
	return ""
}

// explainedDeletes is the set of DELETED revisions that an ok delete
// returned or that an uncertain delete may have made.
func explainedDeletes(ops []history.Operation, lx *logIndex) map[deleteKey]bool {
	out := claimedDeletes(ops)
	rvOf := writtenAt(ops, lx)
	for i := range ops {
		if ops[i].Kind != history.Delete || !uncertain(&ops[i]) {
			continue
		}
		for _, e := range lx.deleteCandidates(&ops[i], out, rvOf) {
			out[keyOf(e)] = true
		}
	}
	return out
}

// finalRead compares the last list at the latest revision with the log.
func (d *durability) finalRead(ops []history.Operation) {
	if !d.lx.complete {
		return
	}
	var last *history.Operation
	for i := range ops {
		op := &ops[i]
		if op.Kind == history.List && op.AtRevision == 0 && op.Outcome == history.OK && !op.Stale &&
			(last == nil || op.Return > last.Return) {
			last = op
		}
	}
	if last == nil {
		return
	}
	state, next := snapshot{}, 0
	d.lx.stateAt(last.Revision, state, &next)
	if msg := diffItems(last, last.Revision, state); msg != "" {
		d.problems = append(d.problems, "final read: "+msg)
	}
}

// result turns the findings into P3's verdict.
func (d *durability) result(res Result) Result {
	all := append(append([]string(nil), d.problems...), d.missing...)
	switch {
	case len(all) == 0:
		res.OK, res.Verdict = true, Durable
		res.Detail = fmt.Sprintf("%d logged changes", len(d.lx.events))
		return res
	case len(d.problems) == 0 && !d.lx.complete:
		res.Verdict = LogIncomplete
	default:
		res.Verdict = NotDurable
	}
	res.Detail = fmt.Sprintf("%d problems: %s", len(all), strings.Join(all[:min(len(all), maxExamples)], "; "))
	return res
}

// describeEvent renders a logged event.
func describeEvent(e history.Event) string {
	return fmt.Sprintf("%s %s=%q@%d", e.Type, e.Name, e.Value, e.Revision)
}

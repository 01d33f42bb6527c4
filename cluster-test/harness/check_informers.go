package harness

import (
	"fmt"
	"strings"

	"github.com/drover/drover/cluster-test/checker/replay"
	"github.com/drover/drover/cluster-test/history"
)

// checkInformers is T-k8s's check (P4 for informers, CHAOS.md scenario
// 22): each informer's copy equals the replayed state at its revision; its
// handler calls never go back in revision; and, unless it relisted, the
// calls after its first list are exactly the log's changes after that
// list, none missed or repeated.
func (r *Run) checkInformers(st *replay.State, log []history.Event) Verdict {
	const prop = "P4 informers (T-k8s)"
	if len(r.Informers) == 0 {
		return fail(prop, "no informer ran")
	}
	var problems []string
	calls := 0
	for _, inf := range r.Informers {
		calls += len(inf.Calls)
		problems = append(problems, r.informerProblems(inf, st, log)...)
	}
	if len(problems) > 0 {
		return fail(prop, strings.Join(firstN(problems, 4), "; "))
	}
	return pass(prop, fmt.Sprintf("%d informers, %d handler calls after their lists, copies exact", len(r.Informers), calls))
}

func (r *Run) informerProblems(inf *informerRecord, st *replay.State, log []history.Event) []string {
	id := r.c.ID(inf.Node)
	var out []string
	if inf.Err != "" {
		out = append(out, fmt.Sprintf("%s's informer stopped: %s", id, inf.Err))
	}
	if r.c.IsMember(inf.Node) && inf.Revision < r.FinalRevision {
		out = append(out, fmt.Sprintf("%s's informer reached %d, not the final revision %d", id, inf.Revision, r.FinalRevision))
	}
	if diff := diffState(inf.Final, st.At(inf.Revision)); diff != "" {
		out = append(out, fmt.Sprintf("%s's informer copy at %d: %s", id, inf.Revision, diff))
	}
	var last uint64
	for _, c := range inf.Calls {
		if c.Revision < last {
			out = append(out, fmt.Sprintf("%s's informer went back from %d to %d", id, last, c.Revision))
			break
		}
		last = c.Revision
	}
	if inf.Relists == 0 {
		if diff := diffCalls(inf.Calls, expectedCalls(inf, log)); diff != "" {
			out = append(out, fmt.Sprintf("%s's informer: %s", id, diff))
		}
	}
	return out
}

// expectedCalls is the log's changes after the informer's first list, up
// to its final revision. The list's revision is not recorded; it lies at
// or after the newest object it returned, and any deletes of objects it
// did not return come before it.
func expectedCalls(inf *informerRecord, log []history.Event) []history.Event {
	from := uint64(0)
	listed := map[string]bool{}
	for _, e := range inf.Initial {
		from = max(from, e.Revision)
		listed[e.Name] = true
	}
	k := 0
	for k < len(log) && log[k].Revision <= from {
		k++
	}
	for k < len(log) && log[k].Type == history.Deleted && !listed[log[k].Name] && log[k].Revision <= inf.Revision {
		k++
	}
	var out []history.Event
	for ; k < len(log) && log[k].Revision <= inf.Revision; k++ {
		out = append(out, log[k])
	}
	return out
}

// diffCalls compares handler calls with the expected changes.
func diffCalls(got, want []history.Event) string {
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got):
			return fmt.Sprintf("missed %s", describeEvent(want[i]))
		case i >= len(want):
			return fmt.Sprintf("extra call %s", describeEvent(got[i]))
		case !sameChange(got[i], want[i]):
			return fmt.Sprintf("call %d was %s, the log has %s", i, describeEvent(got[i]), describeEvent(want[i]))
		}
	}
	return ""
}

func sameChange(a, b history.Event) bool {
	return a.Type == b.Type && a.Name == b.Name && a.Value == b.Value && a.Revision == b.Revision
}

func describeEvent(e history.Event) string {
	return fmt.Sprintf("%s %s=%q@%d", e.Type, e.Name, e.Value, e.Revision)
}

// diffState compares an informer's copy with the replayed state.
func diffState(got []history.Item, want map[string]history.Item) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d objects, the log has %d", len(got), len(want))
	}
	for _, it := range got {
		if w, ok := want[it.Name]; !ok || w != it {
			return fmt.Sprintf("%s=%q@%d, the log has %q@%d", it.Name, it.Value, it.Revision, w.Value, w.Revision)
		}
	}
	return ""
}

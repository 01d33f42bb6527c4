package harness

import (
	"fmt"
	"strings"

	"github.com/drover/drover/cluster-test/history"
)

// checkNATS checks what NATS subscribers received (scenarios 20 and 21):
// NATS core may drop messages, but never silently: events arrive in order
// without repeats (a node's restart, marked by a previous sequence of -1,
// starts a new chain), each matches the log, and wherever the headers say
// an event directly follows the last one received, the log holds nothing
// in between.
func (r *Run) checkNATS(log []history.Event) Verdict {
	const prop = "P4 NATS subscribers"
	if len(r.NATS) == 0 {
		return pass(prop, "no NATS subscriber in this scenario")
	}
	revs := map[uint64][]history.Event{}
	for _, e := range log {
		revs[e.Revision] = append(revs[e.Revision], e)
	}
	var problems, stats []string
	for _, rec := range r.NATS {
		p, got, gaps := r.natsProblems(rec, log, revs)
		problems = append(problems, p...)
		kind := "prompt"
		if rec.Slow {
			kind = "slow"
		}
		stats = append(stats, fmt.Sprintf("%s %s: %d events, %d gaps signalled, %d reconnects, %d errors",
			r.c.ID(rec.Node), kind, got, gaps, rec.Reconnects, len(rec.Errors)))
	}
	if len(problems) > 0 {
		return fail(prop, strings.Join(firstN(problems, 4), "; "))
	}
	return pass(prop, strings.Join(stats, "; "))
}

// natsProblems checks one subscriber; it returns the problems, the events
// of the workload it received and the gaps the headers signalled.
func (r *Run) natsProblems(rec *natsRecord, log []history.Event, revs map[uint64][]history.Event) ([]string, int, int) {
	id := r.c.ID(rec.Node)
	var out []string
	got, gaps := 0, 0
	for k, m := range rec.Msgs {
		if m.Ours {
			got++
			if !inLog(m, revs[m.Rev]) {
				out = append(out, fmt.Sprintf("%s: %s %s=%q@%d is not in the log", id, m.Type, m.Name, m.Value, m.Rev))
			}
		}
		if k == 0 || m.PrevSeq == -1 {
			continue
		}
		prev := rec.Msgs[k-1]
		switch {
		case m.Rev < prev.Rev || m.Rev == prev.Rev && m.Seq <= prev.Seq:
			out = append(out, fmt.Sprintf("%s: event %d.%d after %d.%d", id, m.Rev, m.Seq, prev.Rev, prev.Seq))
		case m.PrevRev != prev.Rev || m.PrevSeq != prev.Seq:
			gaps++
		case hiddenBetween(log, prev.Rev, m.Rev):
			out = append(out, fmt.Sprintf("%s: %d.%d claims to follow %d.%d, but the log has changes in between",
				id, m.Rev, m.Seq, prev.Rev, prev.Seq))
		}
	}
	return out, got, gaps
}

// inLog reports whether a received event is one of the log's at its
// revision.
func inLog(m natsMsg, at []history.Event) bool {
	for _, e := range at {
		if e.Type == m.Type && e.Name == m.Name && e.Value == m.Value {
			return true
		}
	}
	return false
}

// hiddenBetween reports whether the log has a change strictly between two
// revisions.
func hiddenBetween(log []history.Event, a, b uint64) bool {
	for _, e := range log {
		if e.Revision > a && e.Revision < b {
			return true
		}
		if e.Revision >= b {
			break
		}
	}
	return false
}

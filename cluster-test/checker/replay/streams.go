package replay

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/drover/drover/cluster-test/history"
)

// Stream is one node's collect-all watch, merged from its sessions.
type Stream struct {
	// Events are the changes, bookmarks left out, in delivery order; the
	// part of a revision a session ended inside (its last events flagged
	// More) is left out too: the next session repeats that revision.
	Events []history.Event
	// Reached is the highest revision the stream received whole (an event
	// without More, a bookmark, or the first session's FromRevision).
	Reached uint64
	// Problems describe seams that lose or repeat changes: a session that
	// does not resume from the revision the previous one reached, a change
	// at or below it, a compacted rejection (a hole in the stream).
	Problems []string
}

// Merge joins the sessions of one collect-all watcher, in start order.
func Merge(sessions []history.WatchSession) Stream {
	ss := append([]history.WatchSession(nil), sessions...)
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].Started < ss[j].Started })
	var st Stream
	for i := range ss {
		st.join(i, &ss[i])
	}
	return st
}

// join appends the i-th session.
func (st *Stream) join(i int, s *history.WatchSession) {
	if i == 0 {
		st.Reached = s.FromRevision
	} else if s.FromRevision != st.Reached {
		st.problem("session %d resumes from %d, the stream had reached %d", i, s.FromRevision, st.Reached)
	}
	seam := st.Reached
	var inside []history.Event // the changes of a revision not yet whole
	for _, e := range s.Events {
		if e.Type == history.Bookmark {
			st.Reached = max(st.Reached, e.Revision)
			continue
		}
		if inside = append(inside, e); e.More {
			continue
		}
		for _, c := range inside {
			st.append(i, seam, c)
		}
		inside = inside[:0]
		st.Reached = max(st.Reached, e.Revision)
	}
	if s.Compacted {
		st.problem("session %d rejected as compacted at %d (told %d): the stream has a hole", i, st.Reached, s.CompactedRevision)
	}
}

// append adds a change of session i, which began at revision seam.
func (st *Stream) append(i int, seam uint64, e history.Event) {
	if i > 0 && e.Revision <= seam {
		st.problem("session %d repeats %s at or below the seam %d", i, describe(e), seam)
	}
	st.Events = append(st.Events, e)
}

// problem records a seam problem.
func (st *Stream) problem(format string, args ...any) {
	st.Problems = append(st.Problems, fmt.Sprintf(format, args...))
}

// CheckStreams checks P5: every node's collect-all stream (its sessions,
// merged by Merge) has clean seams, reaches finalRevision, and delivers,
// up to finalRevision, the same changes in the same order as every other
// node's (type, revision, name and value; not receive times).
func CheckStreams(streams map[string][]history.WatchSession, finalRevision uint64) Result {
	v := &violations{}
	nodes := slices.Sorted(maps.Keys(streams))
	merged := make([]Stream, len(nodes))
	checked := 0
	for i, node := range nodes {
		merged[i] = Merge(streams[node])
		checkStream(node, merged[i], finalRevision, v)
		merged[i].Events = upTo(merged[i].Events, finalRevision)
		checked += len(merged[i].Events)
	}
	for i := 1; i < len(nodes); i++ {
		compareStreams(nodes[0], merged[0].Events, nodes[i], merged[i].Events, v)
	}
	return v.result("P5", checked)
}

// checkStream reports a stream's seam problems and a short reach.
func checkStream(node string, s Stream, final uint64, v *violations) {
	for _, p := range s.Problems {
		v.add("node %s: seam: %s", node, p)
	}
	if s.Reached < final {
		v.add("node %s: short: stream reached %d, below the final revision %d", node, s.Reached, final)
	}
}

// upTo drops the events after the last one at or below rev.
func upTo(events []history.Event, rev uint64) []history.Event {
	n := len(events)
	for n > 0 && events[n-1].Revision > rev {
		n--
	}
	return events[:n]
}

// compareStreams reports the first difference between two nodes' streams.
func compareStreams(refNode string, ref []history.Event, node string, got []history.Event, v *violations) {
	for i := 0; i < min(len(ref), len(got)); i++ {
		if !sameChange(ref[i], got[i]) {
			v.add("streams differ at change %d: node %s has %s, node %s has %s", i, refNode, describe(ref[i]), node, describe(got[i]))
			return
		}
	}
	if len(ref) != len(got) {
		v.add("streams differ in length: node %s has %d changes, node %s has %d", refNode, len(ref), node, len(got))
	}
}

// sameChange compares two events, ignoring receive times.
func sameChange(a, b history.Event) bool {
	return a.Type == b.Type && a.Revision == b.Revision && a.Name == b.Name && a.Value == b.Value
}

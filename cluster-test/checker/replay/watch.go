package replay

import (
	"fmt"
	"sort"

	"github.com/drover/drover/cluster-test/history"
)

// CheckWatches checks P4 for every watch session against the replayed log
// (the compaction side of watches is CheckCompaction's). Each session is
//
//   - ordered: event revisions never decrease and lie above FromRevision
//     and above every bookmark before them; a bookmark is not below an
//     event before it;
//   - unique: no change of the log is delivered twice;
//   - atomic: every revision it delivers is complete (all the log's
//     matching events of that revision), except one the session ended
//     inside (its last event flagged More), which it did not receive;
//   - flagged consistently: an event with More is followed by a change of
//     its revision, one without More by none;
//   - reliable: every matching change between FromRevision and its last
//     event is delivered;
//   - bookmarkable: at a bookmark B, every matching change <= B has been
//     delivered;
//   - filter-matching, with the log's values, and typed right: ADDED
//     exactly when the object did not exist just before (in the replay),
//     DELETED for a delete, MODIFIED otherwise;
//   - resumable: a session that broke (Error set, not compacted) is
//     followed, for the same watcher, by one from the revision it reached
//     (received whole); resuming above a revision it ended inside splits
//     that revision.
//
// A session from revision 0 ("from now") is checked from just before its
// first event.
func CheckWatches(sessions []history.WatchSession, st *State) Result {
	v := &violations{}
	checked := 0
	for _, w := range byWatcher(sessions) {
		for i := range w {
			c := newSessionCheck(st, &w[i], v, fmt.Sprintf("watcher %d session %d", w[i].Watcher, i))
			checked += c.run()
		}
		checkResumes(st, w, v)
	}
	return v.result("P4", checked)
}

// byWatcher splits sessions per watcher, each in start order.
func byWatcher(sessions []history.WatchSession) [][]history.WatchSession {
	m := map[int][]history.WatchSession{}
	for _, s := range sessions {
		m[s.Watcher] = append(m[s.Watcher], s)
	}
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := make([][]history.WatchSession, 0, len(ids))
	for _, id := range ids {
		w := m[id]
		sort.SliceStable(w, func(i, j int) bool { return w[i].Started < w[j].Started })
		out = append(out, w)
	}
	return out
}

// checkResumes checks that each broken session of one watcher is followed
// by a session from the revision it reached, or at least that no matching
// change falls in between (missed) or is repeated.
func checkResumes(st *State, w []history.WatchSession, v *violations) {
	for i := 1; i < len(w); i++ {
		prev, next := &w[i-1], &w[i]
		if prev.Error == "" || prev.Compacted {
			continue
		}
		reached, ok := sessionReach(prev)
		from, ok2 := sessionStart(next)
		if !ok || !ok2 || from == reached {
			continue
		}
		lo, hi, what := reached, from, "never delivered"
		if hi < lo {
			lo, hi, what = hi, lo, "delivered twice"
		} else if p, ok := insideAtEnd(prev); ok && p <= hi {
			what = fmt.Sprintf("never delivered: atomic: revision %d split, the session broke inside it", p)
		}
		if e, found := st.firstMatching(next.LabelSelector, lo, hi); found {
			v.add("watcher %d session %d: resumed from %d after reaching %d: %s %s",
				next.Watcher, i, next.FromRevision, reached, describe(e), what)
		}
	}
}

// sessionStart is the revision a session's events must lie above: its
// FromRevision, or for a watch "from now" just before its first event.
func sessionStart(s *history.WatchSession) (uint64, bool) {
	if s.FromRevision > 0 {
		return s.FromRevision, true
	}
	if len(s.Events) == 0 {
		return 0, false
	}
	e := s.Events[0]
	if e.Type == history.Bookmark {
		return e.Revision, true
	}
	return e.Revision - 1, true
}

// sessionReach is the highest revision a session received whole: its
// start, its highest bookmark, or its highest event without More (the last
// of its revision). A revision the session ended inside is not reached.
func sessionReach(s *history.WatchSession) (uint64, bool) {
	r, ok := sessionStart(s)
	for _, e := range s.Events {
		if !e.More {
			r = max(r, e.Revision)
		}
	}
	return r, ok
}

// insideAtEnd is the revision a session ended inside, if any.
func insideAtEnd(s *history.WatchSession) (uint64, bool) {
	n := len(s.Events)
	if n == 0 || !endsInside(s, s.Events[n-1].Revision) {
		return 0, false
	}
	return s.Events[n-1].Revision, true
}

package replay

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/drover/drover/cluster-test/history"
)

// retainedMarker precedes the oldest retained revision in a "compacted"
// error (raftstore: "revision R is older than the oldest retained revision
// C").
const retainedMarker = "oldest retained revision "

// ParseCompacted reads the revision a "compacted" error message names as
// the oldest retained one; ok is false if it names none.
func ParseCompacted(msg string) (uint64, bool) {
	i := strings.LastIndex(msg, retainedMarker)
	if i < 0 {
		return 0, false
	}
	digits := msg[i+len(retainedMarker):]
	if j := strings.IndexFunc(digits, func(r rune) bool { return r < '0' || r > '9' }); j >= 0 {
		digits = digits[:j]
	}
	n, err := strconv.ParseUint(digits, 10, 64)
	return n, err == nil
}

// CheckCompaction checks P6:
//
//   - a watch session rejected as compacted was at a cursor (the revision
//     it reached: FromRevision, or its last event or bookmark when it was
//     cut off later) below the CompactedRevision it was told, and was told
//     one;
//   - a list at revision R rejected with OutOfRange names, in its message,
//     an oldest retained revision above R;
//   - a session served by a node from a revision below a compaction that
//     node had already reported (to a session that ended before this one
//     started) should have been rejected: served anyway, it is a violation
//     (this assumes a node keeps its data directory);
//   - a session not rejected at its start loses nothing there: the first
//     matching change after FromRevision (a delete at the compaction
//     boundary included) is its first delivered revision, whole, once it
//     reached that far (unless the client cut the session there, as
//     CheckWatches allows).
func CheckCompaction(sessions []history.WatchSession, ops []history.Operation, st *State) Result {
	v := &violations{}
	checked := 0
	for i := range sessions {
		s := &sessions[i]
		checked++
		if s.Compacted {
			checkRejection(s, v)
		}
		checkStart(st, s, v)
	}
	checked += checkBelowKnown(sessions, v)
	for i := range ops {
		if isCompactedList(&ops[i]) {
			checked++
			checkListRejection(&ops[i], v)
		}
	}
	return v.result("P6", checked)
}

// sessionName renders a session for messages.
func sessionName(s *history.WatchSession) string {
	return fmt.Sprintf("watcher %d (%s, from %d, t=%.3fs)", s.Watcher, s.Endpoint, s.FromRevision, float64(s.Started)/1e9)
}

// checkRejection checks that a "compacted" rejection was due.
func checkRejection(s *history.WatchSession, v *violations) {
	cursor, _ := sessionReach(s)
	switch {
	case s.CompactedRevision == 0:
		v.add("%s: rejected as compacted without naming the oldest retained revision (%q)", sessionName(s), s.Error)
	case cursor >= s.CompactedRevision:
		v.add("%s: rejected as compacted at revision %d, though history after %d was retained", sessionName(s), cursor, s.CompactedRevision)
	}
}

// checkStart checks that a session that was served lost nothing at its
// start.
func checkStart(st *State, s *history.WatchSession, v *violations) {
	first, ok := firstDelivered(s)
	if s.FromRevision == 0 || !ok {
		return
	}
	reached, _ := sessionReach(s)
	want, found := st.firstMatching(s.LabelSelector, s.FromRevision, reached)
	if !found {
		return
	}
	b, _ := st.batchAt(want.Revision)
	switch n := deliveredAt(s, want.Revision); {
	case first > want.Revision || n == 0:
		v.add("%s: lost at the start: %s never delivered", sessionName(s), describe(want))
	case n < st.matching(s.LabelSelector, b) && !endsInside(s, want.Revision):
		v.add("%s: lost at the start: revision %d only partly delivered", sessionName(s), want.Revision)
	}
}

// firstDelivered is the revision of a session's first change.
func firstDelivered(s *history.WatchSession) (uint64, bool) {
	for _, e := range s.Events {
		if e.Type != history.Bookmark {
			return e.Revision, true
		}
	}
	return 0, false
}

// deliveredAt counts a session's changes at revision rev.
func deliveredAt(s *history.WatchSession, rev uint64) int {
	n := 0
	for _, e := range s.Events {
		if e.Type != history.Bookmark && e.Revision == rev {
			n++
		}
	}
	return n
}

// isCompactedList reports whether op is a list at a revision rejected as
// out of range.
func isCompactedList(op *history.Operation) bool {
	return op.Kind == history.List && op.AtRevision > 0 && op.Code == "OutOfRange"
}

// checkListRejection checks a list rejected as compacted.
func checkListRejection(op *history.Operation, v *violations) {
	c, ok := ParseCompacted(op.Error)
	switch {
	case !ok:
		v.add("client %d, list at %d: rejected as compacted without naming the oldest retained revision (%q)", op.Client, op.AtRevision, op.Error)
	case op.AtRevision >= c:
		v.add("client %d, list at %d: rejected as compacted, though history after %d was retained", op.Client, op.AtRevision, c)
	}
}

// compactionFact is a node's compacted revision, known by a time.
type compactionFact struct {
	at  int64
	rev uint64
}

// checkBelowKnown flags sessions a node served from below a compaction it
// had already reported; it returns how many sessions it compared.
func checkBelowKnown(sessions []history.WatchSession, v *violations) int {
	facts := map[string][]compactionFact{}
	for _, s := range sessions {
		if s.Compacted && s.CompactedRevision > 0 {
			facts[s.Endpoint] = append(facts[s.Endpoint], compactionFact{s.Ended, s.CompactedRevision})
		}
	}
	known := map[string][]compactionFact{}
	for node, f := range facts {
		known[node] = runningMax(f)
	}
	n := 0
	for i := range sessions {
		s := &sessions[i]
		if s.Compacted || s.FromRevision == 0 || len(s.Events) == 0 || known[s.Endpoint] == nil {
			continue
		}
		n++
		if c := knownBefore(known[s.Endpoint], s.Started); s.FromRevision < c {
			v.add("%s: served, though the node had reported history compacted through %d", sessionName(s), c)
		}
	}
	return n
}

// runningMax sorts facts by time and makes each carry the highest revision
// known by then.
func runningMax(f []compactionFact) []compactionFact {
	sort.Slice(f, func(i, j int) bool { return f[i].at < f[j].at })
	for i := 1; i < len(f); i++ {
		f[i].rev = max(f[i].rev, f[i-1].rev)
	}
	return f
}

// knownBefore is the highest compacted revision reported strictly before t
// (0: none).
func knownBefore(f []compactionFact, t int64) uint64 {
	i := sort.Search(len(f), func(i int) bool { return f[i].at >= t })
	if i == 0 {
		return 0
	}
	return f[i-1].rev
}

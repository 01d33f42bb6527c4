package replay_test

import (
	"strconv"
	"testing"

	"github.com/drover/drover/cluster-test/checker/replay"
	"github.com/drover/drover/cluster-test/history"
)

// broken marks a session that ended with an error, so its watcher resumes.
func broken(s history.WatchSession) history.WatchSession {
	s.Error = "rpc error: code = Unavailable desc = connection reset"
	return s
}

// resumed is a watcher's second session, started after first.
func resumed(first, second history.WatchSession) []history.WatchSession {
	first.Started, first.Ended, second.Started = 1, 2, 3
	return []history.WatchSession{first, second}
}

func TestWatchesPass(t *testing.T) {
	st := fixture(t)
	groupA := session(3, group("a"), delivered(3, 6, group("a"))...)
	groupA.Events = append(groupA.Events, bm(7), ev(history.Added, 8, "k0", "v8"), bm(9), bm(9))
	groupA.Watcher = 2
	fromNow := session(0, "", delivered(4, 10, "")...)
	fromNow.Watcher = 3
	sessions := append([]history.WatchSession{
		session(0, "", delivered(0, 10, "")...), // every change, the batch at 5 included
		groupA,
		fromNow,
	}, resumed(broken(session(0, group("b"), delivered(0, 2, group("b"))...)),
		session(2, group("b"), append(delivered(2, 7, group("b")), bm(10))...))...)
	for i := range sessions[3:] {
		sessions[3+i].Watcher = 4
	}
	wantOK(t, replay.CheckWatches(sessions, st))
}

func TestWatchViolations(t *testing.T) {
	cases := []struct {
		name     string
		sessions []history.WatchSession
		want     string
	}{
		{"reordered", one(session(0, "", ev(history.Added, 1, "k0", "v1"), ev(history.Modified, 3, "k0", "v3"),
			ev(history.Added, 2, "k1", "v2"))), "order: ADDED k1"},
		{"duplicate", one(session(0, "", ev(history.Added, 1, "k0", "v1"), more(ev(history.Added, 2, "k1", "v2")),
			ev(history.Added, 2, "k1", "v2"), ev(history.Modified, 3, "k0", "v3"))), "duplicate: ADDED k1"},
		{"split batch", one(session(3, "", ev(history.Modified, 5, "k1", "v5a"), ev(history.Deleted, 6, "k0", "v3"))),
			"atomic: revision 5 split, 1 of its 2"},
		{"split batch at a broken end", one(broken(session(3, "", ev(history.Modified, 5, "k1", "v5a")))),
			"atomic: revision 5 split, 1 of its 2"},
		{"split batch before a bookmark", one(session(3, "", ev(history.Modified, 5, "k1", "v5a"), bm(5))),
			"atomic: revision 5 split, 1 of its 2"},
		{"gap", one(session(0, "", append(delivered(0, 2, ""), delivered(4, 5, "")...)...)),
			"gap: 1 matching event(s) in revisions 3..3"},
		{"bookmark lying", one(session(5, "", ev(history.Deleted, 6, "k0", "v3"), bm(8))),
			"bookmark at 8, but ADDED k3"},
		{"ADDED sent as MODIFIED", one(session(7, "", ev(history.Modified, 8, "k0", "v8"))),
			"type: MODIFIED k0=\"v8\"@8 should be ADDED"},
		{"MODIFIED sent as ADDED", one(session(2, "", ev(history.Added, 3, "k0", "v3"))),
			"type: ADDED k0=\"v3\"@3 should be MODIFIED"},
		{"filter mismatch", one(session(1, group("a"), ev(history.Added, 2, "k1", "v2"), ev(history.Modified, 3, "k0", "v3"))),
			"filter: ADDED k1"},
		{"wrong value", one(session(0, "", ev(history.Added, 1, "k0", "zz"))), "value: ADDED k0=\"zz\"@1, the log has \"v1\""},
		{"not in the log", one(session(3, "", ev(history.Added, 4, "k9", "x"))), "not in the log"},
		{"event below the start", one(session(3, "", ev(history.Modified, 3, "k0", "v3"))), "order: MODIFIED k0=\"v3\"@3 not above the start 3"},
		{"resume from the last revision misses an event", resumed(
			broken(session(0, "", delivered(0, 2, "")...)),
			session(2, "", delivered(4, 5, "")...)), "session 1 (n1, from 2, selector \"\"): gap"},
		{"resume from the wrong revision", resumed(
			broken(session(0, "", delivered(0, 2, "")...)),
			session(3, "", delivered(3, 5, "")...)), "resumed from 3 after reaching 2: MODIFIED k0=\"v3\"@3 never delivered"},
		{"resume repeats", resumed(
			broken(session(0, "", delivered(0, 3, "")...)),
			session(2, "", delivered(2, 5, "")...)), "delivered twice"},
		{"resume after a revision the session broke inside", resumed(
			broken(session(3, "", more(ev(history.Modified, 5, "k1", "v5a")))),
			session(5, "", delivered(5, 7, "")...)), "atomic: revision 5 split, the session broke inside it"},
		{"more flag before another revision", one(session(3, "", more(ev(history.Modified, 5, "k1", "v5a")),
			more(ev(history.Added, 5, "k2", "v5b")), ev(history.Deleted, 6, "k0", "v3"))),
			"more: ADDED k2=\"v5b\"@5 flagged more_at_revision, followed by DELETED k0"},
		{"event after the last of its revision", one(session(3, "", ev(history.Modified, 5, "k1", "v5a"),
			ev(history.Added, 5, "k2", "v5b"))), "more: ADDED k2=\"v5b\"@5 after MODIFIED k1=\"v5a\"@5, the last of its revision"},
	}
	st := fixture(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := replay.CheckWatches(c.sessions, st)
			t.Log(r)
			wantOne(t, r, c.want)
		})
	}
}

// one wraps a single session.
func one(s history.WatchSession) []history.WatchSession { return []history.WatchSession{s} }

// A session may end inside a revision (its last event flagged More),
// whoever ended it: the revision counts as not received, and a broken
// session's watcher resumes from before it and gets it whole.
func TestWatchEndsInsideARevision(t *testing.T) {
	cut := session(3, "", more(ev(history.Modified, 5, "k1", "v5a")))
	wantOK(t, replay.CheckWatches(one(cut), fixture(t)))
	sessions := resumed(broken(cut), session(3, "", delivered(3, 7, "")...))
	wantOK(t, replay.CheckWatches(sessions, fixture(t)))
	// Filtered: the watch of group a sees only k2 at 5, unflagged.
	sessions = resumed(broken(session(3, group("a"), delivered(3, 5, group("a"))...)),
		session(5, group("a"), delivered(5, 8, group("a"))...))
	wantOK(t, replay.CheckWatches(sessions, fixture(t)))
}

// A session that ended cleanly (the run stopped it, or its time was up) is
// not resumed: the next one may start anywhere.
func TestWatchFreshStartAfterCleanEnd(t *testing.T) {
	sessions := resumed(session(0, "", delivered(0, 2, "")...), session(6, "", delivered(6, 10, "")...))
	wantOK(t, replay.CheckWatches(sessions, fixture(t)))
}

// Checking is linear in the size of the history: a long log and one
// session over all of it take well under a second.
func TestWatchesLarge(t *testing.T) {
	var log []history.Event
	for rev := uint64(1); rev <= 100_000; rev++ {
		typ := history.Modified
		if rev <= 10 {
			typ = history.Added
		}
		log = append(log, ev(typ, rev, history.ObjectName(int(rev%10)), "v"+strconv.FormatUint(rev, 10)))
	}
	st, err := replay.Replay(log)
	if err != nil {
		t.Fatal(err)
	}
	wantOK(t, replay.CheckWatches(one(session(0, "", log...)), st))
}

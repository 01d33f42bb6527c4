package replay_test

import (
	"strings"
	"testing"

	"github.com/drover/drover/cluster-test/checker/replay"
	"github.com/drover/drover/cluster-test/history"
)

// ev is a change event.
func ev(typ history.EventType, rev uint64, name, value string) history.Event {
	return history.Event{Type: typ, Revision: rev, Name: name, Value: value}
}

// more flags e as not the last event of its revision.
func more(e history.Event) history.Event {
	e.More = true
	return e
}

// bm is a bookmark.
func bm(rev uint64) history.Event { return history.Event{Type: history.Bookmark, Revision: rev} }

// fixtureLog is the committed log the tests share. k0 and k2 are in group
// a, k1 and k3 in group b; revision 5 changes two objects; 4 and 9 are
// entries without changes (a barrier, a member record).
func fixtureLog() []history.Event {
	return []history.Event{
		ev(history.Added, 1, "k0", "v1"),
		ev(history.Added, 2, "k1", "v2"),
		ev(history.Modified, 3, "k0", "v3"),
		ev(history.Modified, 5, "k1", "v5a"),
		ev(history.Added, 5, "k2", "v5b"),
		ev(history.Deleted, 6, "k0", "v3"),
		ev(history.Added, 7, "k3", "v7"),
		ev(history.Added, 8, "k0", "v8"),
		ev(history.Deleted, 10, "k2", "v5b"),
	}
}

// fixture replays fixtureLog.
func fixture(t *testing.T) *replay.State {
	t.Helper()
	st, err := replay.Replay(fixtureLog())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// delivered is what a correct watch with selector sel from revision from
// delivers, up to revision upto: every event but the last of its revision
// (after the filter) flagged More.
func delivered(from, upto uint64, sel string) []history.Event {
	var out []history.Event
	for _, e := range fixtureLog() {
		if e.Revision > from && e.Revision <= upto && history.Matches(sel, e.Name) {
			if n := len(out); n > 0 && out[n-1].Revision == e.Revision {
				out[n-1].More = true
			}
			out = append(out, e)
		}
	}
	return out
}

// session is a watch session of watcher 1 on node n1.
func session(from uint64, sel string, events ...history.Event) history.WatchSession {
	return history.WatchSession{Watcher: 1, Endpoint: "n1", FromRevision: from, LabelSelector: sel, Events: events}
}

// group is the selector of a group.
func group(g string) string { return history.GroupSelector(g) }

// wantOK fails the test unless r found nothing.
func wantOK(t *testing.T, r replay.Result) {
	t.Helper()
	if !r.OK || r.Detail != "" {
		t.Fatalf("want no violation, got %s", r)
	}
	if r.Checked == 0 {
		t.Fatalf("nothing checked: %s", r)
	}
}

// wantOne fails the test unless r found exactly one violation, mentioning
// want.
func wantOne(t *testing.T, r replay.Result, want string) {
	t.Helper()
	if r.OK || !strings.HasPrefix(r.Detail, "1 violation(s)") || !strings.Contains(r.Detail, want) {
		t.Fatalf("want one violation mentioning %q, got %s", want, r)
	}
}

// contains reports whether s contains sub.
func contains(s, sub string) bool { return strings.Contains(s, sub) }

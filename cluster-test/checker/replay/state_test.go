package replay_test

import (
	"maps"
	"testing"

	"github.com/drover/drover/cluster-test/checker/replay"
	"github.com/drover/drover/cluster-test/history"
)

// item is an object state.
func item(name, value string, rev uint64) history.Item {
	return history.Item{Name: name, Value: value, Revision: rev}
}

func TestReplayAt(t *testing.T) {
	st := fixture(t)
	cases := map[uint64][]history.Item{
		0:  nil,
		4:  {item("k0", "v3", 3), item("k1", "v2", 2)},
		5:  {item("k0", "v3", 3), item("k1", "v5a", 5), item("k2", "v5b", 5)},
		6:  {item("k1", "v5a", 5), item("k2", "v5b", 5)},
		9:  {item("k0", "v8", 8), item("k1", "v5a", 5), item("k2", "v5b", 5), item("k3", "v7", 7)},
		99: {item("k0", "v8", 8), item("k1", "v5a", 5), item("k3", "v7", 7)},
	}
	for rev, items := range cases {
		want := map[string]history.Item{}
		for _, it := range items {
			want[it.Name] = it
		}
		if got := st.At(rev); !maps.Equal(got, want) {
			t.Errorf("At(%d) = %v, want %v", rev, got, want)
		}
	}
	if st.LastRevision() != 10 {
		t.Errorf("LastRevision = %d, want 10", st.LastRevision())
	}
}

func TestReplayRejectsMalformedLogs(t *testing.T) {
	base := []history.Event{ev(history.Added, 2, "k0", "a")}
	cases := map[string]history.Event{
		"revision decreasing": ev(history.Modified, 1, "k0", "b"),
		"ADDED of present":    ev(history.Added, 3, "k0", "b"),
		"MODIFIED of absent":  ev(history.Modified, 3, "k1", "b"),
		"DELETED of absent":   ev(history.Deleted, 3, "k1", "b"),
		"DELETED wrong value": ev(history.Deleted, 3, "k0", "b"),
		"no revision":         ev(history.Added, 0, "k1", "b"),
		"unknown type":        ev("TOUCHED", 3, "k0", "b"),
	}
	for name, bad := range cases {
		if _, err := replay.Replay(append(append([]history.Event(nil), base...), bad)); err == nil {
			t.Errorf("%s: Replay accepted the log", name)
		}
	}
}

// One entry may delete an object and create it again: only the state at
// the end of the revision is observable, and the re-create is an ADDED.
func TestReplaySameObjectTwiceInOneRevision(t *testing.T) {
	log := []history.Event{
		ev(history.Added, 1, "k0", "a"),
		ev(history.Deleted, 2, "k0", "a"),
		ev(history.Added, 2, "k0", "b"),
	}
	st, err := replay.Replay(log)
	if err != nil {
		t.Fatal(err)
	}
	if it, ok := st.ItemAt("k0", 2); !ok || it != item("k0", "b", 2) {
		t.Fatalf("ItemAt(k0, 2) = %v, %v", it, ok)
	}
	s := session(1, "", more(log[1]), log[2])
	wantOK(t, replay.CheckWatches([]history.WatchSession{s}, st))
}

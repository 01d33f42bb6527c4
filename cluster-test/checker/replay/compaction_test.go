package replay_test

import (
	"testing"

	"github.com/drover/drover/cluster-test/checker/replay"
	"github.com/drover/drover/cluster-test/history"
)

// rejected is a session refused as compacted, told revision told.
func rejected(from, told uint64) history.WatchSession {
	s := session(from, "")
	s.Error, s.Compacted, s.CompactedRevision = "compacted", true, told
	return s
}

// listAt is a list at revision at refused as compacted, with message msg.
func listAt(at uint64, msg string) history.Operation {
	return history.Operation{Client: 1, Kind: history.List, AtRevision: at, Outcome: history.Fail, Code: "OutOfRange", Error: msg}
}

func TestCompactionPass(t *testing.T) {
	st := fixture(t)
	sessions := []history.WatchSession{
		rejected(4, 5),
		// A watch from the compaction revision gets the delete just after it.
		session(5, "", delivered(5, 10, "")...),
		session(5, group("a"), delivered(5, 10, group("a"))...),
	}
	ops := []history.Operation{listAt(3, "compacted: revision 3 is older than the oldest retained revision 5")}
	wantOK(t, replay.CheckCompaction(sessions, ops, st))
	wantOK(t, replay.CheckWatches(sessions, st))
}

func TestCompactionViolations(t *testing.T) {
	later := session(2, "", delivered(2, 5, "")...)
	later.Started = 20
	earlier := rejected(1, 5)
	earlier.Ended = 10
	cases := []struct {
		name     string
		sessions []history.WatchSession
		ops      []history.Operation
		want     string
	}{
		{"rejected above the compaction", one(rejected(6, 5)), nil, "rejected as compacted at revision 6, though history after 5"},
		{"rejected at the compaction", one(rejected(5, 5)), nil, "rejected as compacted at revision 5"},
		{"rejected without a revision", one(rejected(2, 0)), nil, "without naming the oldest retained revision"},
		{"rejected after delivering up to the compaction", one(func() history.WatchSession {
			s := rejected(3, 5)
			s.Events = delivered(3, 5, "")
			return s
		}()), nil, "rejected as compacted at revision 5"},
		{"delete at the boundary lost", one(session(5, "", delivered(6, 10, "")...)), nil,
			"lost at the start: DELETED k0=\"v3\"@6 never delivered"},
		{"batch at the boundary split", one(session(4, "", delivered(4, 10, "")[1:]...)), nil,
			"lost at the start: revision 5 only partly delivered"},
		{"served below a known compaction", []history.WatchSession{earlier, later}, nil,
			"served, though the node had reported history compacted through 5"},
		{"list rejected above the compaction", nil, []history.Operation{listAt(7, "compacted: revision 7 is older than the oldest retained revision 5")},
			"list at 7: rejected as compacted, though history after 5"},
		{"list rejected without a revision", nil, []history.Operation{listAt(3, "compacted")},
			"list at 3: rejected as compacted without naming"},
	}
	st := fixture(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := replay.CheckCompaction(c.sessions, c.ops, st)
			t.Log(r)
			wantOne(t, r, c.want)
		})
	}
}

func TestParseCompacted(t *testing.T) {
	cases := map[string]uint64{
		"rpc error: code = OutOfRange desc = compacted: revision 1 is older than the oldest retained revision 57": 57,
		"oldest retained revision 9)": 9,
	}
	for msg, want := range cases {
		if got, ok := replay.ParseCompacted(msg); !ok || got != want {
			t.Errorf("ParseCompacted(%q) = %d, %v; want %d", msg, got, ok, want)
		}
	}
	for _, msg := range []string{"compacted", "oldest retained revision x", ""} {
		if _, ok := replay.ParseCompacted(msg); ok {
			t.Errorf("ParseCompacted(%q) succeeded", msg)
		}
	}
}

package replay_test

import (
	"testing"

	"github.com/drover/drover/cluster-test/checker/replay"
	"github.com/drover/drover/cluster-test/history"
)

// collectAll is a collect-all stream from revision 0 to upto, resumed
// (after a broken session) at each revision in seams.
func collectAll(upto uint64, seams ...uint64) []history.WatchSession {
	var out []history.WatchSession
	from := uint64(0)
	for i, to := range append(seams, upto) {
		s := session(from, "", delivered(from, to, "")...)
		s.Events = append(s.Events, bm(to))
		s.Started = int64(i)
		if i < len(seams) {
			s = broken(s)
		}
		out = append(out, s)
		from = to
	}
	return out
}

func TestStreamsPass(t *testing.T) {
	streams := map[string][]history.WatchSession{
		"n1": collectAll(10),
		"n2": collectAll(10, 5),
		"n3": collectAll(12, 2, 3, 8),
	}
	wantOK(t, replay.CheckStreams(streams, 10))
	merged := replay.Merge(streams["n3"])
	if len(merged.Problems) != 0 || merged.Reached != 12 || len(merged.Events) != len(fixtureLog()) {
		t.Fatalf("Merge = %+v", merged)
	}
	st, err := replay.Replay(merged.Events)
	if err != nil {
		t.Fatal(err)
	}
	wantOK(t, replay.CheckWatches(streams["n3"], st))
}

// A session that broke inside revision 5 leaves 5 out of the stream; the
// next one resumes from 3 and delivers it whole.
func TestStreamSessionBrokeInsideARevision(t *testing.T) {
	split := collectAll(10, 3)
	split[0] = broken(session(0, "", append(delivered(0, 3, ""), more(ev(history.Modified, 5, "k1", "v5a")))...))
	merged := replay.Merge(split)
	if len(merged.Problems) != 0 || merged.Reached != 10 || len(merged.Events) != len(fixtureLog()) {
		t.Fatalf("Merge = %+v", merged)
	}
	wantOK(t, replay.CheckStreams(map[string][]history.WatchSession{"n1": collectAll(10), "n2": split}, 10))
	split[1].FromRevision = 5
	split[1].Events = split[1].Events[2:]
	if m := replay.Merge(split); len(m.Problems) != 1 || !contains(m.Problems[0], "session 1 resumes from 5, the stream had reached 3") {
		t.Fatalf("resuming above the split revision: Merge = %+v", m)
	}
}

func TestStreamViolations(t *testing.T) {
	differ := collectAll(10, 5)
	differ[1].Events[2].Value = "other"
	swapped := collectAll(10)
	swapped[0].Events[3], swapped[0].Events[4] = swapped[0].Events[4], swapped[0].Events[3]
	overlap := collectAll(10, 5)
	overlap[1].FromRevision = 3
	overlap[1].Events = append(delivered(3, 5, ""), overlap[1].Events...)
	gap := collectAll(10, 5)
	gap[1].FromRevision = 6
	gap[1].Events = gap[1].Events[1:]
	compacted := collectAll(10, 5)
	compacted[0].Compacted, compacted[0].CompactedRevision = true, 7
	cases := []struct {
		name  string
		other []history.WatchSession
		want  string
	}{
		{"streams differ", differ, "streams differ at change 7: node n1 has ADDED k0=\"v8\"@8, node n2 has ADDED k0=\"other\"@8"},
		{"batch reordered", swapped, "streams differ at change 3"},
		{"short of the final revision", collectAll(8), "node n2: short: stream reached 8, below the final revision 10"},
		{"seam overlap", overlap, "session 1 resumes from 3, the stream had reached 5"},
		{"seam gap", gap, "session 1 resumes from 6, the stream had reached 5"},
		{"compacted hole", compacted, "rejected as compacted"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := replay.CheckStreams(map[string][]history.WatchSession{"n1": collectAll(10), "n2": c.other}, 10)
			t.Log(r)
			if r.OK || !contains(r.Detail, c.want) {
				t.Fatalf("want a violation mentioning %q, got %s", c.want, r)
			}
		})
	}
}

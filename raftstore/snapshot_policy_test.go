package raftstore

import "testing"

func TestAdaptiveThreshold(t *testing.T) {
	cases := []struct {
		name                     string
		floor                    uint64
		ratio                    float64
		state, entries, logBytes uint64
		want                     uint64
	}{
		{"off", 8192, 0, 400 << 20, 10000, 13 << 20, 8192},
		{"too few entries to trust the average", 8192, 0.5, 400 << 20, 999, 1 << 20, 8192},
		{"small state keeps the floor", 8192, 0.5, 4 << 20, 10000, 10000 * 1300, 8192},
		{"large state: half its size in log", 8192, 0.5, 345_000_000, 10000, 10000 * 1300, 132692},
		{"ratio 1", 8192, 1, 345_000_000, 10000, 10000 * 1300, 265384},
	}
	for _, c := range cases {
		if got := adaptiveThreshold(c.floor, c.ratio, c.state, c.entries, c.logBytes); got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, got, c.want)
		}
	}
}

// TestAdaptSnapshotThresholdReloadsRaft checks, on a real single-node
// Raft, that the threshold stays at the floor until enough entries were
// applied and then follows the state file's size.
func TestAdaptSnapshotThresholdReloadsRaft(t *testing.T) {
	d := nodeDir{t: t, dir: t.TempDir()}
	s, err := d.open()
	if err != nil {
		t.Fatal(err)
	}
	defer d.close(s)
	// A low floor, so that a small test state lifts the threshold above it.
	const floor = 16
	s.cfg.SnapshotThreshold = floor
	d.lead(s)
	if got, err := s.AdaptSnapshotThreshold(); err != nil || got != floor {
		t.Fatalf("before any write: threshold %d, err %v; want the floor %d", got, err, floor)
	}
	d.fill(s, minAdaptEntries)
	state, err := s.FSM().StateBytes()
	if err != nil {
		t.Fatal(err)
	}
	want := adaptiveThreshold(floor, DefaultRaftConfig().SnapshotLogRatio, state, s.FSM().logEntries.Load(), s.FSM().logBytes.Load())
	got, err := s.AdaptSnapshotThreshold()
	if err != nil || got != want || got <= floor || s.SnapshotThreshold() != want {
		t.Fatalf("threshold %d (Raft's %d), err %v; want %d", got, s.SnapshotThreshold(), err, want)
	}
}

package raftstore

import (
	"io"
	"log/slog"
	"testing"

	"github.com/hashicorp/raft"
)

// A follower truncates the tail of its log when a new leader's entries
// conflict with it. raft-wal v0.4.0 then recorded the old tail segment as
// sealed without writing its index, and the next start failed with "sealed
// segment has no index block" (hashicorp/raft-wal#31, fixed in v0.4.1).
// The log must reopen with every entry that was kept or appended since.
func TestRaftLogReopensAfterTailTruncation(t *testing.T) {
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	entries := func(from, to uint64, term uint64) []*raft.Log {
		var out []*raft.Log
		for i := from; i <= to; i++ {
			out = append(out, &raft.Log{Index: i, Term: term, Type: raft.LogCommand, Data: []byte{byte(i)}})
		}
		return out
	}
	f, err := openRaftFiles(dir, logger, 0)
	if err != nil {
		t.Fatal(err)
	}
	must(f.logs.StoreLogs(entries(1, 10, 1)))
	must(f.logs.DeleteRange(8, 10)) // the conflicting tail
	must(f.logs.StoreLogs(entries(8, 12, 2)))
	must(f.close())

	for round := 0; round < 2; round++ { // and once more, as a second crash would
		f, err = openRaftFiles(dir, logger, 0)
		if err != nil {
			t.Fatalf("reopen %d: %v", round, err)
		}
		var l raft.Log
		for i := uint64(1); i <= 12; i++ {
			if err := f.logs.GetLog(i, &l); err != nil {
				t.Fatalf("reopen %d: entry %d: %v", round, i, err)
			}
			if want := uint64(1 + i/8); l.Term != want {
				t.Fatalf("reopen %d: entry %d has term %d, want %d", round, i, l.Term, want)
			}
		}
		if round == 0 {
			must(f.logs.DeleteRange(12, 12))
			must(f.logs.StoreLogs(entries(12, 12, 2)))
		}
		must(f.close())
	}
}

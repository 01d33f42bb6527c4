package raftstore

import (
	"crypto/sha256"
	"io"
	"log/slog"
	"testing"

	"github.com/hashicorp/raft"
)

// LogDigest reports held entries with their term, type and data digest,
// leaves out compacted ones, and caps its range.
func TestLogDigest(t *testing.T) {
	f, err := openRaftFiles(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.close()
	s := &Store{files: f}
	if d, err := s.LogDigest(1, 10); err != nil || len(d) != 0 {
		t.Fatalf("empty log: %v %v", d, err)
	}
	total := uint64(MaxLogDigestEntries + 20)
	var logs []*raft.Log
	for i := uint64(1); i <= total; i++ {
		typ := raft.LogCommand
		if i%7 == 0 {
			typ = raft.LogNoop
		}
		logs = append(logs, &raft.Log{Index: i, Term: 1 + i/100, Type: typ, Data: []byte{byte(i), byte(i >> 8)}})
	}
	must(f.logs.StoreLogs(logs))
	must(f.logs.DeleteRange(1, 4)) // compacted behind a snapshot

	if first, last, err := s.LogBounds(); err != nil || first != 5 || last != total {
		t.Fatalf("bounds %d %d %v", first, last, err)
	}
	d, err := s.LogDigest(1, 9)
	if err != nil || len(d) != 5 || d[0].Index != 5 || d[4].Index != 9 {
		t.Fatalf("digest 1..9: %v %v", d, err)
	}
	if e := d[2]; e.Term != 1 || e.Type != "LogNoop" || e.SHA256 != sha256.Sum256([]byte{7, 0}) {
		t.Fatalf("entry 7: %+v", e)
	}
	if d[0].Type != "LogCommand" {
		t.Fatalf("entry 5: %+v", d[0])
	}
	d, err = s.LogDigest(1, total+100)
	if err != nil || len(d) != MaxLogDigestEntries || d[0].Index != 5 || d[len(d)-1].Index != 4+MaxLogDigestEntries {
		t.Fatalf("capped digest: %d entries, %v", len(d), err)
	}
	if d, err := s.LogDigest(total+1, total+5); err != nil || len(d) != 0 {
		t.Fatalf("beyond the end: %v %v", d, err)
	}
	if _, err := s.LogDigest(9, 1); err == nil {
		t.Fatal("from after to accepted")
	}
}

package raftstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
)

// Export writes a bbolt file with the same state and applied index, and
// it is what RestoreSnapshot turns into a node's files.
func TestExportIsConsistentCopy(t *testing.T) {
	s := newStore(t)
	seed(t, s)
	path := filepath.Join(t.TempDir(), "snap.db")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var begun uint64
	rev, n, err := s.Export(out, func(r uint64) { begun = r })
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	if rev != s.AppliedIndex() || begun != rev || n == 0 {
		t.Fatalf("export: revision %d begin %d bytes %d, applied %d", rev, begun, n, s.AppliedIndex())
	}
	got, err := SnapshotFileRevision(path)
	if err != nil || got != rev {
		t.Fatalf("SnapshotFileRevision = %d, %v; want %d", got, err, rev)
	}
	// A copied file has no clean-shutdown marker of its own.
	if err := writeMarker(path, markerClean); err != nil {
		t.Fatal(err)
	}
	copied := openStore(t, path)
	if copied.AppliedIndex() != rev {
		t.Fatalf("copy applied %d, want %d", copied.AppliedIndex(), rev)
	}
	sameDump(t, dump(t, s.FSM), dump(t, copied.FSM))
	if err := copied.Close(); err != nil {
		t.Fatal(err)
	}

	// RestoreSnapshot makes a node's files from it.
	dir := t.TempDir()
	c := OfflineConfig{FSMPath: filepath.Join(dir, "fsm", "state.db"), RaftDir: filepath.Join(dir, "raft"),
		ID: "a", Addr: "127.0.0.1:1", Peers: []Peer{{"a", "127.0.0.1:1"}, {"b", "127.0.0.1:2"}}}
	r, err := RestoreSnapshot(c, path)
	if err != nil || r != rev {
		t.Fatalf("RestoreSnapshot = %d, %v", r, err)
	}
	restored := openStore(t, c.FSMPath)
	if restored.NeedsRebuild() || restored.AppliedIndex() != rev {
		t.Fatalf("restored: rebuild %v applied %d", restored.NeedsRebuild(), restored.AppliedIndex())
	}
	sameDump(t, dump(t, s.FSM), dump(t, restored.FSM))
	files, err := openRaftFiles(c.RaftDir, c.logger(), 0)
	if err != nil {
		t.Fatal(err)
	}
	term, err := files.logs.GetUint64(keyCurrentTerm)
	if err != nil || term != 1 {
		t.Fatalf("current term %d, %v", term, err)
	}
	if err := files.close(); err != nil {
		t.Fatal(err)
	}
	list, err := files.snaps.List()
	if err != nil || len(list) != 1 || list[0].Index != rev || list[0].Term != 1 ||
		len(list[0].Configuration.Servers) != 2 || list[0].Configuration.Servers[1].ID != raft.ServerID("b") {
		t.Fatalf("raft snapshots: %+v, %v", list, err)
	}
	if _, err := RestoreSnapshot(c, path); err == nil {
		t.Fatal("restore into a used data dir succeeded")
	}
}

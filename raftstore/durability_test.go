package raftstore

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
)

// withBootID replaces the boot id source for one test.
func withBootID(t *testing.T, id *string) {
	old := bootID
	bootID = func() string { return *id }
	t.Cleanup(func() { bootID = old })
}

// seed applies a few entries and returns them.
func seed(t *testing.T, s *testStore) []*raft.Log {
	t.Helper()
	var logs []*raft.Log
	for _, op := range []*pb.Op{create(nsObj("default")), create(obj("Pod", "default", "a", `{}`)), create(obj("Pod", "default", "b", `{}`))} {
		l := logEntry(t, s.next, &pb.Command{Ops: []*pb.Op{op}, Timestamp: 42})
		s.ApplyBatch([]*raft.Log{l})
		s.next++
		logs = append(logs, l)
	}
	return logs
}

func TestReplaySkipsApplied(t *testing.T) {
	boot := "boot-1"
	withBootID(t, &boot)
	s := newStore(t)
	logs := seed(t, s)
	before := dump(t, s.FSM)
	s.crash()

	s2 := openStore(t, s.path)
	if s2.NeedsRebuild() || s2.AppliedIndex() != 3 {
		t.Fatalf("reopen: rebuild %v applied %d", s2.NeedsRebuild(), s2.AppliedIndex())
	}
	resps := s2.ApplyBatch(logs)
	for i, r := range resps {
		if r != nil {
			t.Fatalf("entry %d re-applied: %v", i+1, r)
		}
	}
	if s2.pub.calls != 0 || len(s2.pub.events) != 0 {
		t.Fatalf("replay published %d calls", s2.pub.calls)
	}
	sameDump(t, before, dump(t, s2.FSM))
}

func TestUncleanOSShutdownRebuilds(t *testing.T) {
	boot := "boot-1"
	withBootID(t, &boot)
	s := newStore(t)
	seed(t, s)
	s.crash()
	boot = "boot-2" // the machine rebooted

	s2 := openStore(t, s.path)
	if !s2.NeedsRebuild() || s2.AppliedIndex() != 0 {
		t.Fatalf("rebuild %v applied %d", s2.NeedsRebuild(), s2.AppliedIndex())
	}
	if _, err := s2.Get("Namespace", "", "default"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("state survived: %v", err)
	}
	if _, err := os.Stat(s.path + ".untrusted"); err != nil {
		t.Fatalf("untrusted copy not kept: %v", err)
	}
}

func TestProcessCrashKeepsState(t *testing.T) {
	boot := "boot-1"
	withBootID(t, &boot)
	s := newStore(t)
	seed(t, s)
	s.crash()

	s2 := openStore(t, s.path)
	if s2.NeedsRebuild() || s2.AppliedIndex() != 3 {
		t.Fatalf("rebuild %v applied %d", s2.NeedsRebuild(), s2.AppliedIndex())
	}
	if _, err := s2.Get("Pod", "default", "b"); err != nil {
		t.Fatal(err)
	}
}

func TestCleanCloseTrustedAfterReboot(t *testing.T) {
	boot := "boot-1"
	withBootID(t, &boot)
	s := newStore(t)
	seed(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	boot = "boot-2"
	if s2 := openStore(t, s.path); s2.NeedsRebuild() || s2.AppliedIndex() != 3 {
		t.Fatalf("clean close: rebuild %v applied %d", s2.NeedsRebuild(), s2.AppliedIndex())
	}
}

func TestMissingMarkerRebuilds(t *testing.T) {
	s := newStore(t)
	seed(t, s)
	s.crash()
	if err := os.Remove(markerPath(s.path)); err != nil {
		t.Fatal(err)
	}
	if s2 := openStore(t, s.path); !s2.NeedsRebuild() {
		t.Fatal("existing db without marker trusted")
	}
}

func TestSnapshotRestore(t *testing.T) {
	src := newStore(t)
	seed(t, src)
	src.ok(update(obj("Pod", "default", "a", `{"v":2}`)))
	snap, err := src.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	src.ok(del("Pod", "default", "b")) // after the snapshot: not in it
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil || !sink.closed || sink.cancelled {
		t.Fatalf("persist: %v closed %v", err, sink.closed)
	}
	snap.Release()

	dst := newStore(t)
	if err := dst.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	if dst.AppliedIndex() != 4 || len(dst.pub.resets) != 1 || dst.pub.resets[0] != 4 {
		t.Fatalf("applied %d resets %v", dst.AppliedIndex(), dst.pub.resets)
	}
	// Replaying the entry after the snapshot converges with the source.
	dst.next = 5
	dst.ok(del("Pod", "default", "b"))
	sameDump(t, dump(t, src.FSM), dump(t, dst.FSM))
}

func TestRestoreRejectsGarbage(t *testing.T) {
	s := newStore(t)
	seed(t, s)
	if err := s.Restore(io.NopCloser(bytes.NewReader([]byte("not a database")))); err == nil {
		t.Fatal("garbage restored")
	}
	if _, err := s.Get("Pod", "default", "a"); err != nil {
		t.Fatalf("state lost after a failed restore: %v", err)
	}
}

// The chain is stored with the applied index: after a process crash the
// reopened FSM has it, replay of the applied entries leaves it, and later
// entries extend it as they extend a store that never crashed.
func TestHashChainSurvivesReplay(t *testing.T) {
	boot := "boot-1"
	withBootID(t, &boot)
	s := newStore(t)
	logs := seed(t, s)
	index, before := s.HashChain()
	if want := chainOf(logs)[3]; index != 3 || before != want {
		t.Fatalf("chain at %d %x, want 3 %x", index, before, want)
	}
	s.crash()

	s2 := openStore(t, s.path)
	if index, h := s2.HashChain(); index != 3 || h != before {
		t.Fatalf("reopened: chain at %d %x, want 3 %x", index, h, before)
	}
	if h, ok := s2.HashAt(3); !ok || h != before {
		t.Fatalf("HashAt(3) after reopen: %x %v", h, ok)
	}
	if _, ok := s2.HashAt(2); ok {
		t.Fatal("HashAt(2) answered for an entry applied before the reopen")
	}
	s2.ApplyBatch(logs)
	if index, h := s2.HashChain(); index != 3 || h != before {
		t.Fatalf("replay changed the chain: %d %x", index, h)
	}
	next := logEntry(t, 4, &pb.Command{Ops: []*pb.Op{create(obj("Pod", "default", "c", `{}`))}, Timestamp: 43})
	s2.ApplyBatch([]*raft.Log{next})
	all := append(logs[:len(logs):len(logs)], next)
	fresh := newStore(t)
	fresh.ApplyBatch(all)
	i1, h1 := s2.HashChain()
	i2, h2 := fresh.HashChain()
	if i1 != 4 || i1 != i2 || h1 != h2 || h1 != chainOf(all)[4] {
		t.Fatalf("after replay %d %x, fresh %d %x", i1, h1, i2, h2)
	}
}

// A snapshot carries the chain: a fresh FSM restored from it reports the
// source's chain at the snapshot's index, and the entries after it bring
// both to the same value.
func TestHashChainSnapshotRestore(t *testing.T) {
	src := newStore(t)
	seed(t, src)
	src.ok(update(obj("Pod", "default", "a", `{"v":2}`)))
	_, atSnap := src.HashChain()
	snap, err := src.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	later := logEntry(t, 5, &pb.Command{Ops: []*pb.Op{del("Pod", "default", "b")}, Timestamp: 99})
	src.ApplyBatch([]*raft.Log{later})
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	snap.Release()

	dst := newStore(t)
	dst.ok(create(nsObj("other"))) // state and chain the restore replaces
	if err := dst.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	if index, h := dst.HashChain(); index != 4 || h != atSnap {
		t.Fatalf("restored chain at %d %x, want 4 %x", index, h, atSnap)
	}
	if _, ok := dst.HashAt(1); ok {
		t.Fatal("HashAt(1) answered from before the restore")
	}
	dst.ApplyBatch([]*raft.Log{later})
	i1, h1 := src.HashChain()
	i2, h2 := dst.HashChain()
	if i1 != 5 || i1 != i2 || h1 != h2 {
		t.Fatalf("source %d %x, restored %d %x", i1, h1, i2, h2)
	}
}

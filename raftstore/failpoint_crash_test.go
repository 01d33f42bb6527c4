//go:build failpoints

package raftstore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore/failpoint"
)

// Crashes at the failpoints: the test binary runs one test again as a
// child process that arms a point with exit and dies there (os.Exit: no
// Close, no clean-shutdown marker); the parent then opens what it left.

// crashChildEnv holds the child's working directory; set only in a child.
const crashChildEnv = "RAFTSTORE_FAILPOINT_CHILD"

// crashChild returns the directory to work in when this process is the
// child of runCrashChild, "" in the parent.
func crashChild(t *testing.T) string {
	dir := os.Getenv(crashChildEnv)
	if dir != "" {
		t.Cleanup(func() { t.Error("the child outlived its failpoint") })
	}
	return dir
}

// runCrashChild runs the current test as a child in dir and checks that
// it died at the failpoint point.
func runCrashChild(t *testing.T, dir, point string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != failpoint.ExitCode ||
		!strings.Contains(string(out), "failpoint "+point+": exit") {
		t.Fatalf("child: %v, want exit %d at %s\n%s", err, failpoint.ExitCode, point, out)
	}
}

// arm sets a failpoint for the rest of the test.
func arm(t *testing.T, point, action string) {
	t.Helper()
	if err := failpoint.Set(point, action); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { failpoint.Set(point, "off") })
}

// crashLogs are the entries the crash tests apply: two batches of three.
func crashLogs(t *testing.T) (first, second []*raft.Log) {
	ops := []*pb.Op{create(nsObj("default"))}
	for i := 0; i < 5; i++ {
		ops = append(ops, create(obj("Pod", "default", fmt.Sprintf("p%d", i), `{}`)))
	}
	var logs []*raft.Log
	for i, op := range ops {
		logs = append(logs, logEntry(t, uint64(i+1), &pb.Command{Ops: []*pb.Op{op}, Timestamp: 42}))
	}
	return logs[:3], logs[3:]
}

// fedStore is a fresh store given batches, for comparison.
func fedStore(t *testing.T, batches ...[]*raft.Log) *testStore {
	s := newStore(t)
	for _, b := range batches {
		s.ApplyBatch(b)
	}
	return s
}

// A crash just before the bbolt commit of the second batch loses that
// batch from the file; Raft's replay applies it again.
func TestCrashBeforeFSMCommit(t *testing.T) {
	testCrashAtCommit(t, failpoint.FSMCommitBefore, 3)
}

// A crash right after the commit keeps the batch; the replay skips it and
// publishes nothing for it.
func TestCrashAfterFSMCommit(t *testing.T) {
	testCrashAtCommit(t, failpoint.FSMCommitAfter, 6)
}

func testCrashAtCommit(t *testing.T, point string, wantApplied uint64) {
	boot := "boot-1"
	withBootID(t, &boot)
	first, second := crashLogs(t)
	if dir := crashChild(t); dir != "" {
		s := openStore(t, filepath.Join(dir, "fsm.db"))
		s.ApplyBatch(first)
		arm(t, point, "exit")
		s.ApplyBatch(second)
		return
	}
	dir := t.TempDir()
	runCrashChild(t, dir, point)

	s := openStore(t, filepath.Join(dir, "fsm.db"))
	if s.NeedsRebuild() || s.AppliedIndex() != wantApplied {
		t.Fatalf("reopened: rebuild %v applied %d, want %d", s.NeedsRebuild(), s.AppliedIndex(), wantApplied)
	}
	// Raft replays its log from the start (no snapshot here).
	resps := s.ApplyBatch(append(first[:len(first):len(first)], second...))
	for i, r := range resps {
		if applied := uint64(i+1) > wantApplied; (r != nil) != applied {
			t.Fatalf("entry %d: response %v, applied again: %v", i+1, r, r != nil)
		}
	}
	if want := 6 - int(wantApplied); len(s.pub.events) != want {
		t.Fatalf("replay published %d events, want %d", len(s.pub.events), want)
	}
	sameDump(t, dump(t, fedStore(t, first, second).FSM), dump(t, s.FSM))
	i1, h1 := s.HashChain()
	i2, h2 := fedStore(t, first, second).HashChain()
	if i1 != i2 || h1 != h2 {
		t.Fatalf("hash chain %d %x, want %d %x", i1, h1, i2, h2)
	}
}

// persistTo writes an FSM snapshot at index into Raft's file snapshot
// store.
func persistTo(t *testing.T, s *testStore, snaps *raft.FileSnapshotStore, index uint64) error {
	t.Helper()
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	sink, err := snaps.Create(raft.SnapshotVersionMax, index, 1, raft.Configuration{}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	return snap.Persist(sink)
}

// A crash inside Persist, with part of the copy written, leaves Raft's
// previous snapshot as the latest one, and it restores the state it
// held.
func TestCrashInSnapshotPersist(t *testing.T) {
	first, second := crashLogs(t)
	if dir := crashChild(t); dir != "" {
		s := openStore(t, filepath.Join(dir, "fsm.db"))
		snaps, err := raft.NewFileSnapshotStore(dir, 2, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		s.ApplyBatch(first)
		if err := persistTo(t, s, snaps, 3); err != nil {
			t.Fatal(err)
		}
		s.ApplyBatch(second)
		arm(t, failpoint.SnapshotPersist, "exit")
		persistTo(t, s, snaps, 6)
		return
	}
	dir := t.TempDir()
	runCrashChild(t, dir, failpoint.SnapshotPersist)

	if tmp, _ := filepath.Glob(filepath.Join(dir, "snapshots", "*.tmp")); len(tmp) != 1 {
		t.Fatalf("partial snapshots left: %v, want the one the crash interrupted", tmp)
	}
	snaps, err := raft.NewFileSnapshotStore(dir, 2, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	list, err := snaps.List()
	if err != nil || len(list) != 1 || list[0].Index != 3 {
		t.Fatalf("snapshots %+v %v, want the one at 3", list, err)
	}
	_, rc, err := snaps.Open(list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(t)
	if err := s.Restore(rc); err != nil {
		t.Fatal(err)
	}
	sameDump(t, dump(t, fedStore(t, first).FSM), dump(t, s.FSM))
	s.ApplyBatch(second)
	sameDump(t, dump(t, fedStore(t, first, second).FSM), dump(t, s.FSM))
}

// The error action fails Persist and cancels the sink.
func TestSnapshotPersistError(t *testing.T) {
	s := newStore(t)
	seed(t, s)
	arm(t, failpoint.SnapshotPersist, "1*error")
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	sink := &memSink{}
	if err := snap.Persist(sink); !errors.Is(err, failpoint.ErrInjected) || !sink.cancelled || sink.closed {
		t.Fatalf("persist: %v, cancelled %v closed %v", err, sink.cancelled, sink.closed)
	}
	if sink.Len() == 0 {
		t.Fatal("the failpoint was hit before any of the copy was written")
	}
}

// A crash in Restore once the new file replaced the old one: the reopened
// file is the snapshot's state, trusted as after any process crash.
func TestCrashInSnapshotRestore(t *testing.T) {
	boot := "boot-1"
	withBootID(t, &boot)
	first, second := crashLogs(t)
	src := fedStore(t, first)
	snapshot := persistBytes(t, src)
	if dir := crashChild(t); dir != "" {
		s := openStore(t, filepath.Join(dir, "fsm.db"))
		s.ApplyBatch(first)
		s.ApplyBatch(second)
		arm(t, failpoint.SnapshotRestore, "exit")
		s.Restore(io.NopCloser(bytes.NewReader(snapshot)))
		return
	}
	dir := t.TempDir()
	runCrashChild(t, dir, failpoint.SnapshotRestore)

	s := openStore(t, filepath.Join(dir, "fsm.db"))
	if s.NeedsRebuild() || s.AppliedIndex() != 3 {
		t.Fatalf("reopened: rebuild %v applied %d, want 3", s.NeedsRebuild(), s.AppliedIndex())
	}
	sameDump(t, dump(t, src.FSM), dump(t, s.FSM))
}

// persistBytes is a snapshot of s in memory.
func persistBytes(t *testing.T, s *testStore) []byte {
	t.Helper()
	snap, err := s.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	return sink.Bytes()
}

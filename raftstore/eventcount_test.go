package raftstore

import (
	"bytes"
	"io"
	"math/rand"
	"testing"
	"time"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
	"go.etcd.io/bbolt"
)

// eventCounts returns the meta counter and the real number of history events.
func eventCounts(t testing.TB, f *FSM) (counter, real uint64, ok bool) {
	t.Helper()
	err := f.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyEvents)
		ok = len(v) == 8
		counter = getUint64(tx.Bucket(bucketMeta), keyEvents)
		real = countHistory(tx)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return counter, real, ok
}

func checkEventCount(t *testing.T, f *FSM, when string) uint64 {
	t.Helper()
	counter, real, ok := eventCounts(t, f)
	if !ok || counter != real {
		t.Fatalf("%s: event counter %d (present %v), history holds %d", when, counter, ok, real)
	}
	return real
}

// walkBackTarget is the former CompactionTarget count rule, walking the
// whole history from the newest event: the reference for countTarget.
func walkBackTarget(t *testing.T, f *FSM, maxEvents int) uint64 {
	var target uint64
	err := f.view(func(tx *bbolt.Tx) error {
		n := 0
		c := tx.Bucket(bucketHistory).Cursor()
		for k, _ := c.Last(); k != nil; k, _ = c.Prev() {
			if n++; n > maxEvents {
				target = historyRevision(k)
				break
			}
		}
		if _, compacted := readMeta(tx); target <= compacted {
			target = 0
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return target
}

func checkCountTargets(t *testing.T, f *FSM, n uint64) {
	t.Helper()
	for _, maxEvents := range []int{1, 2, 3, 5, 10, int(n) - 1, int(n), int(n) + 1, 1000} {
		if maxEvents <= 0 {
			continue
		}
		want := walkBackTarget(t, f, maxEvents)
		if got := compactionTarget(f, maxEvents, 0, time.Unix(0, 0)); got != want {
			t.Fatalf("CompactionTarget(%d) = %d, whole-history walk gives %d (%d events)", maxEvents, got, want, n)
		}
	}
}

// TestEventCount checks the retained-event counter through creates, updates,
// deletes, cascades and compactions in random batches, across a snapshot
// restore, replay and a reopen, and that CompactionTarget's count rule
// matches the whole-history walk it replaced.
func TestEventCount(t *testing.T) {
	logs, stats := genLog(t, 600, 11)
	if stats["ok"] < 300 {
		t.Fatalf("generated log is not varied enough: %v", stats)
	}
	s := newStore(t)
	checkEventCount(t, s.FSM, "fresh store")
	rng := rand.New(rand.NewSource(5))
	var restored *testStore
	compactions := 0
	for i := 0; i < len(logs); {
		n := min(rng.Intn(16)+1, len(logs)-i)
		before := s.CompactedRevision()
		s.ApplyBatch(logs[i : i+n])
		if s.CompactedRevision() != before {
			compactions++
		}
		i += n
		cnt := checkEventCount(t, s.FSM, "after batch")
		checkCountTargets(t, s.FSM, cnt)
		if restored == nil && i >= len(logs)/2 {
			restored = restoreCopy(t, s)
			checkEventCount(t, restored.FSM, "after restore")
			restored.ApplyBatch(logs[:i]) // replay up to the snapshot: skipped
			checkEventCount(t, restored.FSM, "after replaying applied entries")
		}
	}
	if compactions < 3 {
		t.Fatalf("only %d compactions took effect", compactions)
	}
	// The restored store replays the rest in other batch sizes and
	// converges byte for byte, counter included.
	for i := int(restored.AppliedIndex()); i < len(logs); i += 7 {
		restored.ApplyBatch(logs[i:min(i+7, len(logs))])
		checkEventCount(t, restored.FSM, "restored store replaying")
	}
	sameDump(t, dump(t, s.FSM), dump(t, restored.FSM))

	// Replaying everything again changes nothing.
	cnt := checkEventCount(t, s.FSM, "end")
	s.ApplyBatch(logs)
	if got := checkEventCount(t, s.FSM, "after full replay"); got != cnt {
		t.Fatalf("replay changed the count: %d -> %d", cnt, got)
	}

	// Compacting everything leaves zero; reopening keeps the counter.
	last := uint64(len(logs) + 1)
	s.ApplyBatch([]*raft.Log{logEntry(t, last, &pb.Command{Ops: []*pb.Op{compact(last)}})})
	if got := checkEventCount(t, s.FSM, "after compacting all"); got != 0 {
		t.Fatalf("count after compacting all history = %d", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	checkEventCount(t, openStore(t, s.path).FSM, "reopened")
}

// restoreCopy snapshots s into a new store.
func restoreCopy(t *testing.T, s *testStore) *testStore {
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
	dst := newStore(t)
	if err := dst.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestEventCountMissingKey covers files written before the counter existed:
// opening or restoring one counts the history once.
func TestEventCountMissingKey(t *testing.T) {
	s := newStore(t)
	seed(t, s)
	s.ok(update(obj("Pod", "default", "a", `{"v":2}`)))
	s.ok(del("Pod", "default", "b"))
	dropCounter := func(f *FSM) {
		f.mu.RLock()
		defer f.mu.RUnlock()
		if err := f.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyEvents) }); err != nil {
			t.Fatal(err)
		}
	}
	dropCounter(s.FSM)
	if _, _, ok := eventCounts(t, s.FSM); ok {
		t.Fatal("counter not dropped")
	}
	// A snapshot without the counter restores with it.
	if got := checkEventCount(t, restoreCopy(t, s).FSM, "restored legacy snapshot"); got != 5 {
		t.Fatalf("restored count = %d, want 5", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openStore(t, s.path)
	if got := checkEventCount(t, s2.FSM, "reopened legacy file"); got != 5 {
		t.Fatalf("count = %d, want 5", got)
	}
	if got, want := compactionTarget(s2.FSM, 2, 0, time.Unix(0, 0)), walkBackTarget(t, s2.FSM, 2); got != want || got == 0 {
		t.Fatalf("CompactionTarget = %d, want %d", got, want)
	}
}

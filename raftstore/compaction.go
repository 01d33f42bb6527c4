package raftstore

import (
	"time"

	"go.etcd.io/bbolt"
)

// CompactionPolicy bounds the watch history and the work of one COMPACT op.
type CompactionPolicy struct {
	// MaxEvents is how many events are kept (<= 0: no bound).
	MaxEvents int
	// MaxAge is how old a kept event may be (<= 0: no bound).
	MaxAge time.Duration
	// MaxStep is how many events one COMPACT op drops at most, rounded up
	// to a whole revision (<= 0: no bound). A COMPACT holds up every
	// replica's apply loop while it deletes, so a large backlog is better
	// dropped in several steps.
	MaxStep int
}

// CompactionTarget returns the revision the leader should propose in a
// COMPACT op under p at now (0 when nothing is due) and whether more is due
// after it, because MaxStep cut the step short. Revisions are never split.
//
// It reads only the events the op would drop, from the oldest (the
// retained count is a meta counter), so it does not pull the whole history
// into memory. Reading them is also a prefetch: the oldest history is the
// coldest data in the file, and where the kernel has paged it out, the op's
// deletes would stall the apply loop on page faults. Followers therefore
// call it on the leader's schedule too, and find those pages in memory when
// the COMPACT arrives.
func (f *FSM) CompactionTarget(p CompactionPolicy, now time.Time) (target uint64, more bool) {
	var compacted uint64
	_ = f.view(func(tx *bbolt.Tx) error {
		_, compacted = readMeta(tx)
		var excess uint64
		if count := getUint64(tx.Bucket(bucketMeta), keyEvents); p.MaxEvents > 0 && count > uint64(p.MaxEvents) {
			excess = count - uint64(p.MaxEvents)
		}
		w := compactionWalk{excess: excess, step: uint64(max(p.MaxStep, 0))}
		if p.MaxAge > 0 {
			w.cutoff = now.Add(-p.MaxAge).UnixNano()
		}
		target, more = w.run(tx.Bucket(bucketHistory).Cursor())
		return nil
	})
	if target <= compacted {
		return 0, false
	}
	return target, more
}

// compactionWalk finds the newest revision due for compaction: the oldest
// excess events are due by count, and any event older than cutoff (0: none)
// by age. Both rules select a prefix of the history, so one walk from the
// oldest event serves both, and it stops at the first event neither
// selects, or after step events (0: no bound).
type compactionWalk struct {
	excess uint64
	cutoff int64
	step   uint64
}

func (w compactionWalk) run(c *bbolt.Cursor) (target uint64, more bool) {
	var n uint64
	for k, v := c.First(); k != nil; k, v = c.Next() {
		n++
		rev := historyRevision(k)
		if n > w.excess && (w.cutoff == 0 || decodeEvent(v).GetTimestamp() >= w.cutoff) {
			return target, false
		}
		if w.step > 0 && n > w.step && rev != target {
			return target, true
		}
		target = rev
	}
	if n < w.excess {
		// The counter overstates the history: only the age rule applies,
		// so that a wrong counter never empties the history.
		return compactionWalk{cutoff: w.cutoff, step: w.step}.run(c)
	}
	return target, false
}

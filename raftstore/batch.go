package raftstore

import (
	"fmt"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore/failpoint"
	"github.com/hashicorp/raft"
	"go.etcd.io/bbolt"
)

// Apply applies one entry; see ApplyBatch.
func (f *FSM) Apply(l *raft.Log) interface{} {
	return f.ApplyBatch([]*raft.Log{l})[0]
}

// ApplyBatch applies committed entries in one bbolt transaction, skipping
// entries at or below the applied index, then publishes the events. The
// response for a LogCommand entry is *ApplyResult (nil when skipped); for
// other types nil. A corrupt entry (a checksum mismatch, see envelope.go)
// or an undecodable one is fatal, and the batch then applies nothing.
func (f *FSM) ApplyBatch(logs []*raft.Log) []interface{} {
	if push := f.push.Load(); push != nil && len(logs) > 0 {
		last := logs[len(logs)-1]
		push.batchCommitted(logPos{last.Index, last.Term})
	}
	resps := make([]interface{}, len(logs))
	events, applied, ok := f.applyLocked(logs, resps)
	if ok && f.cfg.Publisher != nil {
		f.cfg.Publisher.Publish(events, applied)
	}
	return resps
}

// applyLocked runs the batch's transaction; ok is false when nothing was
// committed.
func (f *FSM) applyLocked(logs []*raft.Log, resps []interface{}) ([]*pb.Event, uint64, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		for i := range resps {
			resps[i] = ErrClosed
		}
		return nil, 0, false
	}
	last := f.applied.Load()
	payloads := f.openEntries(logs, last)
	defer clear(payloads)
	tx, err := f.db.Begin(true)
	if err != nil {
		f.fatal("begin transaction", err)
	}
	a := newApplier(tx, f.arena, &f.requests)
	f.chain.begin(a.meta)
	applied, entries, size := last, 0, 0
	for i, l := range logs {
		if l.Index <= applied {
			continue
		}
		entries, size = entries+1, size+len(l.Data)
		if l.Type == raft.LogCommand {
			resps[i] = &ApplyResult{Results: a.command(l.Index, f.decode(l.Index, payloads[i]))}
			f.chain.add(l.Index, l.Data)
		}
		applied = l.Index
	}
	if applied == last {
		_ = tx.Rollback()
		return nil, 0, false
	}
	f.commit(tx, a, applied)
	f.countLog(uint64(entries), uint64(size))
	return a.events, applied, true
}

// commit records the applied index and the hash chain, commits, and
// advances the counters.
func (f *FSM) commit(tx *bbolt.Tx, a *applier, applied uint64) {
	a.finish()
	a.putUint64(a.meta, keyApplied, applied)
	f.chain.store(a)
	compacted := getUint64(a.meta, keyCompacted)
	failpoint.Inject(failpoint.FSMCommitBefore)
	if err := tx.Commit(); err != nil {
		f.fatal("commit", err)
	}
	failpoint.Inject(failpoint.FSMCommitAfter)
	if cap(a.buf) <= maxArena {
		f.arena = a.buf[:0]
	}
	f.requests.merge(a.added, a.forgotten)
	f.compacted.Store(compacted)
	f.chain.publish(applied)
	f.setApplied(applied)
}

// openEntries checks the envelope of every command entry of the batch
// above applied before anything is written, and returns their payloads
// (nil for the others) in a slice reused by the next batch. A corrupt entry
// is fatal: the batch applies nothing.
func (f *FSM) openEntries(logs []*raft.Log, applied uint64) [][]byte {
	f.payloads = f.payloads[:0]
	for _, l := range logs {
		var payload []byte
		if l.Index > applied && l.Type == raft.LogCommand {
			var err error
			if payload, err = openEntry(l.Data); err != nil {
				f.corrupt(l.Index, err)
			}
		}
		f.payloads = append(f.payloads, payload)
	}
	return f.payloads
}

// decode decodes a command entry's payload; failure is fatal, as for any
// Raft FSM.
func (f *FSM) decode(index uint64, payload []byte) *pb.Command {
	cmd, err := decodePayload(payload)
	if err != nil {
		f.fatal(fmt.Sprintf("decode entry %d", index), err)
	}
	return cmd
}

// corrupt stops the FSM at a corrupt entry: hashicorp/raft ignores what
// Apply returns, so carrying on would apply a command no other replica
// applied, or skip one they did. It logs the index, the state file (in the
// node's data dir) and the remedy, then panics with an error wrapping
// ErrCorruptLog; in a node the panic ends the process on Raft's FSM
// goroutine, and the next start refuses in OpenStore's log scan.
func (f *FSM) corrupt(index uint64, err error) {
	err = corruptLogError(index, "applying to "+f.cfg.Path, err)
	f.log.Error("raftstore: fatal FSM error: corrupt Raft log entry, applying nothing",
		"index", index, "state", f.cfg.Path, "error", err)
	panic(err)
}

// fatal logs and panics: the FSM cannot continue without diverging.
func (f *FSM) fatal(what string, err error) {
	f.log.Error("raftstore: fatal FSM error", "op", what, "error", err)
	panic(fmt.Sprintf("raftstore: %s: %v", what, err))
}

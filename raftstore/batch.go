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
// other types nil. An undecodable entry is fatal.
func (f *FSM) ApplyBatch(logs []*raft.Log) []interface{} {
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
	tx, err := f.db.Begin(true)
	if err != nil {
		f.fatal("begin transaction", err)
	}
	a := newApplier(tx, f.arena, &f.requests)
	f.chain.begin(a.meta)
	last := f.applied.Load()
	applied := last
	for i, l := range logs {
		if l.Index <= applied {
			continue
		}
		if l.Type == raft.LogCommand {
			resps[i] = &ApplyResult{Results: a.command(l.Index, f.decode(l))}
			f.chain.add(l.Index, l.Data)
		}
		applied = l.Index
	}
	if applied == last {
		_ = tx.Rollback()
		return nil, 0, false
	}
	f.commit(tx, a, applied)
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

// decode decodes a command entry; failure is fatal, as for any Raft FSM.
func (f *FSM) decode(l *raft.Log) *pb.Command {
	cmd, err := DecodeCommand(l.Data)
	if err != nil {
		f.fatal(fmt.Sprintf("decode entry %d", l.Index), err)
	}
	return cmd
}

// fatal logs and panics: the FSM cannot continue without diverging.
func (f *FSM) fatal(what string, err error) {
	f.log.Error("raftstore: fatal FSM error", "op", what, "error", err)
	panic(fmt.Sprintf("raftstore: %s: %v", what, err))
}

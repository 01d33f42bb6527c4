package node

import (
	"context"
	"time"

	"github.com/drover/drover/raftstore"

	pb "github.com/drover/drover/proto/droverpb"
)

// compactStep is how many events one COMPACT op drops at most. Every
// replica's apply loop waits while a COMPACT deletes, about 2 ms per 1,000
// events of 1 KiB objects when their pages are in memory, so a backlog (a
// lowered --history-max-events, a cluster that was leaderless for a while)
// goes in steps of a few milliseconds each.
const compactStep = 4096

// compactPause separates the steps of a backlog, so that writes and
// watches run between them.
const compactPause = 20 * time.Millisecond

// compactionPolicy is this node's history bound.
func (n *Node) compactionPolicy() raftstore.CompactionPolicy {
	return raftstore.CompactionPolicy{MaxEvents: n.cfg.HistoryMaxEvents, MaxAge: n.cfg.HistoryMaxAge, MaxStep: compactStep}
}

// prefetchPolicy reaches further than compactionPolicy: the leader's
// ticks do not line up with this node's, and by its next one up to an
// interval's worth of further events is due, so the prefetch covers a
// whole step beyond what is due now.
func (n *Node) prefetchPolicy() raftstore.CompactionPolicy {
	p := n.compactionPolicy()
	p.MaxEvents = max(p.MaxEvents-compactStep, 1)
	if p.MaxAge > 0 {
		p.MaxAge = max(p.MaxAge-2*n.cfg.CompactInterval, time.Nanosecond)
	}
	p.MaxStep = 2 * compactStep
	return p
}

// compactLoop proposes history compaction by count and age every
// CompactInterval while this node leads, a backlog in several steps.
func (n *Node) compactLoop(ctx context.Context) {
	every(ctx, n.cfg.CompactInterval, func() {
		for n.compactOnce(ctx) && sleepCtx(ctx, compactPause) {
		}
	})
}

// compactOnce proposes one COMPACT step if one is due and reports whether
// more is due after it.
func (n *Node) compactOnce(ctx context.Context) bool {
	target, more := n.fsm.CompactionTarget(n.compactionPolicy(), time.Now())
	if target == 0 {
		return false
	}
	err := n.proposeOne(ctx, &pb.Op{Type: pb.OpType_COMPACT, CompactRevision: target})
	if err != nil {
		if ctx.Err() == nil {
			n.logger.Warn("history compaction failed", "revision", target, "err", err)
		}
		return false
	}
	return more
}

// prefetchLoop runs on every node: while it follows, it reads the events
// the leader's next COMPACT will drop, and a step more, on the leader's
// schedule. The oldest history is the coldest part of the state file, and
// where the kernel has paged it out (memory pressure, proactive reclaim)
// the COMPACT's deletes would otherwise stall this node's apply loop, and
// every watch it serves, on page faults: tens of milliseconds per thousand
// events were measured. The leader's compactLoop reads the events it
// compacts just before it proposes.
//
// While nothing is applied no event becomes due by count, so an idle
// follower does not read the same events again every interval; only the
// age rule can make events due then, and its first COMPACT after a quiet
// spell may find them cold.
func (n *Node) prefetchLoop(ctx context.Context) {
	var lastApplied uint64
	every(ctx, n.cfg.CompactInterval, func() {
		applied := n.fsm.AppliedIndex()
		if n.store.IsLeader() || applied == lastApplied {
			return
		}
		lastApplied = applied
		n.fsm.CompactionTarget(n.prefetchPolicy(), time.Now())
	})
}

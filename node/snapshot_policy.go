package node

import "context"

// snapshotPolicyLoop adapts Raft's snapshot threshold to the state's size
// (raftstore.Store.AdaptSnapshotThreshold) at start, before Raft's first
// check, and every SnapshotInterval, so that a large state is not copied
// for a small amount of log.
func (n *Node) snapshotPolicyLoop(ctx context.Context) {
	var last uint64
	adapt := func() {
		threshold, err := n.store.AdaptSnapshotThreshold()
		switch {
		case err != nil && ctx.Err() == nil:
			n.logger.Warn("snapshot threshold not adapted", "err", err)
		case err == nil && threshold != last:
			n.logger.Debug("snapshot threshold adapted", "entries", threshold)
			last = threshold
		}
	}
	adapt()
	every(ctx, n.cfg.Raft.SnapshotInterval, adapt)
}

package node

import (
	"context"
	"time"
)

// snapshotPolicyLoop adapts Raft's snapshot threshold to the state's size
// at start, before Raft's first check, and every SnapshotInterval (raftstore.Store.AdaptSnapshotThreshold), so that
// a large state is not copied for a small amount of log.
func (n *Node) snapshotPolicyLoop(ctx context.Context) {
	t := time.NewTicker(n.cfg.Raft.SnapshotInterval)
	defer t.Stop()
	var last uint64
	for {
		threshold, err := n.store.AdaptSnapshotThreshold()
		if err != nil && ctx.Err() == nil {
			n.logger.Warn("snapshot threshold not adapted", "err", err)
		}
		if err == nil && threshold != last {
			n.logger.Debug("snapshot threshold adapted", "entries", threshold)
			last = threshold
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package raftstore

import (
	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"

	"github.com/drover/drover/raftstore/failpoint"
)

// failpointLog runs the Raft log's failpoints around each append. OpenStore
// puts it under the log cache only when failpoint.Enabled, so other builds
// do not contain it. It embeds the WAL itself, not raft.LogStore, to keep
// the WAL's other methods (IsMonotonic) visible to Raft.
type failpointLog struct{ *wal.WAL }

// StoreLog implements raft.LogStore.
func (l failpointLog) StoreLog(log *raft.Log) error {
	return l.StoreLogs([]*raft.Log{log})
}

// StoreLogs implements raft.LogStore: raft-log-append-before, fsync-slow,
// the append (raft-wal writes and fsyncs), raft-log-append-after.
func (l failpointLog) StoreLogs(logs []*raft.Log) error {
	if err := failpoint.Inject(failpoint.RaftLogAppendBefore); err != nil {
		return err
	}
	if err := failpoint.Inject(failpoint.FsyncSlow); err != nil {
		return err
	}
	if err := l.WAL.StoreLogs(logs); err != nil {
		return err
	}
	return failpoint.Inject(failpoint.RaftLogAppendAfter)
}

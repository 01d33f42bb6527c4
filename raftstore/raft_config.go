package raftstore

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
)

// RaftConfig configures the Raft side of a Store.
type RaftConfig struct {
	// ID is this node's Raft server id.
	ID string
	// Dir holds the log (wal/) and snapshots (snapshots/).
	Dir string
	// BindAddr is the Raft transport address (HOST:PORT).
	BindAddr string
	// Peers is the initial configuration of a new cluster, this node
	// included; empty bootstraps a single-node cluster.
	Peers []Peer
	// Logger receives Raft's own logs.
	Logger *slog.Logger

	// SnapshotThreshold is how many new entries trigger a snapshot.
	SnapshotThreshold uint64
	// SnapshotInterval is how often the threshold is checked.
	SnapshotInterval time.Duration
	// LogSegmentBytes is the size of one raft-wal segment file (0: the
	// library's 64 MiB). Truncation behind a snapshot frees whole segments
	// only; entries still in the open segment stay readable, so a lagging
	// follower gets a snapshot only once its entries left sealed segments.
	LogSegmentBytes int
	// TrailingLogs is how many entries stay in the log behind a snapshot,
	// so that a briefly lagging follower catches up without a snapshot.
	TrailingLogs uint64

	// HeartbeatTimeout and ElectionTimeout bound failure detection;
	// LeaderLeaseTimeout is how long a leader keeps leading without contact.
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration
}

// DefaultRaftConfig returns the settings Drover ships with.
func DefaultRaftConfig() RaftConfig {
	return RaftConfig{
		SnapshotThreshold: 8192,
		SnapshotInterval:  30 * time.Second,
		TrailingLogs:      10240,
		// hashicorp/raft's defaults (1 s) suit loaded machines: three
		// nodes, their clients and a benchmark share two cores here, and a
		// shorter timeout starts needless elections under load.
		HeartbeatTimeout:   time.Second,
		ElectionTimeout:    time.Second,
		LeaderLeaseTimeout: 500 * time.Millisecond,
	}
}

// raftConfig builds hashicorp/raft's configuration. The FSM keeps its own
// state across restarts (DESIGN.md "Durability"), so Raft restores a
// snapshot at start only when the FSM was rebuilt or is behind the newest
// snapshot.
func (s *Store) raftConfig(cfg RaftConfig, snaps raft.SnapshotStore) (*raft.Config, error) {
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.Logger = NewHCLogger(cfg.Logger.With("component", "raft"))
	rc.HeartbeatTimeout = cfg.HeartbeatTimeout
	rc.ElectionTimeout = cfg.ElectionTimeout
	rc.LeaderLeaseTimeout = cfg.LeaderLeaseTimeout
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.SnapshotInterval = cfg.SnapshotInterval
	rc.TrailingLogs = cfg.TrailingLogs
	// Large appends and a batched apply channel let one disk write and one
	// bbolt transaction cover many concurrent proposals.
	rc.MaxAppendEntries = 512
	rc.BatchApplyCh = true
	rc.NoLegacyTelemetry = true
	latest, err := latestSnapshotIndex(snaps)
	if err != nil {
		return nil, err
	}
	rc.NoSnapshotRestoreOnStart = !s.fsm.NeedsRebuild() && s.fsm.AppliedIndex() >= latest
	return rc, raft.ValidateConfig(rc)
}

func latestSnapshotIndex(snaps raft.SnapshotStore) (uint64, error) {
	list, err := snaps.List()
	if err != nil {
		return 0, fmt.Errorf("list snapshots: %w", err)
	}
	if len(list) == 0 {
		return 0, nil
	}
	return list[0].Index, nil
}

func bootstrapIfNew(rc *raft.Config, cfg RaftConfig, logs *wal.WAL, snaps raft.SnapshotStore, trans raft.Transport) error {
	has, err := raft.HasExistingState(logs, logs, snaps)
	if err != nil || has {
		return err
	}
	peers := cfg.Peers
	if len(peers) == 0 {
		peers = []Peer{{ID: cfg.ID, Addr: string(trans.LocalAddr())}}
	}
	var conf raft.Configuration
	for _, p := range peers {
		conf.Servers = append(conf.Servers, raft.Server{
			Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Addr)})
	}
	return raft.BootstrapCluster(rc, logs, logs, snaps, trans, conf)
}

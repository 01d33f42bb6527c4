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
	// NoBootstrap leaves a node without Raft state unconfigured: it waits
	// until a leader adds it, or until Store.Bootstrap forms a cluster
	// (gossip discovery). Peers is then ignored.
	NoBootstrap bool
	// Logger receives Raft's own logs.
	Logger *slog.Logger

	// SnapshotThreshold is how many new entries trigger a snapshot, at
	// least; see SnapshotLogRatio.
	SnapshotThreshold uint64
	// SnapshotLogRatio, when positive, makes AdaptSnapshotThreshold raise
	// the threshold until the log written since the last snapshot is at
	// least this fraction of the state file (snapshot_policy.go).
	SnapshotLogRatio float64
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
	// See DefaultRaftConfig for what they cost and buy.
	HeartbeatTimeout   time.Duration
	ElectionTimeout    time.Duration
	LeaderLeaseTimeout time.Duration

	// CommitTimeout is how long the leader's replication to a follower
	// may stay silent before it sends the commit index anyway (0: the
	// library's 50 ms). Followers learn it sooner from the commit push
	// (commit_push.go).
	CommitTimeout time.Duration

	// NoCommitPush turns the commit push off: followers then learn that
	// entries are committed only from Raft's own replication.
	NoCommitPush bool
}

// DefaultRaftConfig returns the settings Drover ships with.
func DefaultRaftConfig() RaftConfig {
	return RaftConfig{
		SnapshotThreshold: 8192,
		SnapshotLogRatio:  0.5,
		SnapshotInterval:  30 * time.Second,
		TrailingLogs:      10240,
		// Failover time is failure detection plus an election, and with
		// hashicorp/raft detection dominates: a follower's heartbeat timer
		// fires every HeartbeatTimeout..2×HeartbeatTimeout (random) and
		// only the first firing that finds no contact for a full
		// HeartbeatTimeout starts a campaign, so one follower notices a dead
		// leader after 1–3 HeartbeatTimeouts. A campaign needs both
		// survivors of a 3-node cluster: the other one refuses its
		// (pre-)vote while it still knows a leader, and the election is won
		// when the second follower's timer fires too. Failover is therefore
		// the later of two such timers: a median of ~2 and a worst case of
		// ~3 HeartbeatTimeouts. The library's 1 s default measured a median
		// of 1.8 s here (max 2.5 s), no better than etcd's 1.6 s.
		//
		// 300 ms gives ~0.6 s median and ≤0.9 s worst-case detection, under
		// the 1 s median / 2 s max with room for the election, the
		// new leader's barrier and the client's retry. What it costs: a
		// follower that hears nothing for 300 ms campaigns. Heartbeats go
		// out every HeartbeatTimeout/10 (30 ms) on their own connection and
		// the follower answers them off Raft's main loop, so a busy leader
		// or a slow disk does not starve them; only a process stalled ten
		// heartbeats long (CPU starvation, swapping) would. A 3-node cluster
		// with a 256-way create benchmark on two shared cores kept one term
		// at this setting. Slower or more loaded machines should raise it
		// (multiply all three values together).
		HeartbeatTimeout: 300 * time.Millisecond,
		// ElectionTimeout only matters once a campaign runs: it is how long
		// a candidate waits (randomly 1–2×) before retrying after a split
		// vote. The library requires it to be at least HeartbeatTimeout;
		// equal keeps split-vote retries short. Pre-vote (the library's
		// default, left on) makes a candidate ask before it bumps the term,
		// so a restarted or briefly isolated node that times out cannot
		// depose a healthy leader: shorter timeouts would otherwise make
		// such disruptions frequent.
		ElectionTimeout: 300 * time.Millisecond,
		// LeaderLeaseTimeout is how long a leader keeps its role without
		// hearing from a quorum. Drover's reads confirm leadership with a
		// heartbeat round (VerifyLeader), never with a lease, so this only
		// decides how fast a cut-off leader steps down; it may not exceed
		// HeartbeatTimeout. The maximum: a shorter lease adds no safety here
		// and would make a leader under load step down (and cause the
		// election we tune against) after a few late heartbeat answers.
		LeaderLeaseTimeout: 300 * time.Millisecond,
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
	if cfg.CommitTimeout > 0 {
		rc.CommitTimeout = cfg.CommitTimeout
	}
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
	if err != nil || has || cfg.NoBootstrap {
		return err
	}
	peers := cfg.Peers
	if len(peers) == 0 {
		peers = []Peer{{ID: cfg.ID, Addr: string(trans.LocalAddr())}}
	}
	return raft.BootstrapCluster(rc, logs, logs, snaps, trans, votersOf(peers))
}

// votersOf is the configuration in which every peer votes.
func votersOf(peers []Peer) raft.Configuration {
	var conf raft.Configuration
	for _, p := range peers {
		conf.Servers = append(conf.Servers, raft.Server{
			Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Addr)})
	}
	return conf
}

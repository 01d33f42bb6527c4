package raftstore

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"

	pb "github.com/drover/drover/proto/droverpb"
)

// ErrNotLeader: this node is not the leader (or has not yet established its
// term); the operation was not proposed and may be sent to the leader.
var ErrNotLeader = errors.New("not the leader")

// ErrOutcomeUnknown: leadership was lost while a write was in flight; it may
// or may not have been applied.
var ErrOutcomeUnknown = errors.New("outcome unknown")

// logCacheEntries is how many recent log entries Raft keeps in memory.
const logCacheEntries = 256

// Peer is one member of a static initial configuration.
type Peer struct {
	ID   string
	Addr string
}

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

// Store is a Raft-replicated FSM: it proposes commands and serves
// linearizable read barriers. Reads themselves go to the FSM.
type Store struct {
	raft      *raft.Raft
	fsm       *FSM
	transport *raft.NetworkTransport
	logs      *wal.WAL
	logger    *slog.Logger

	// established is the term in which this node, as leader, committed a
	// barrier: from then on its FSM holds every entry committed before.
	established atomic.Uint64
	reads       *readBatcher
	proposer    *proposer
}

// OpenStore starts Raft over fsm. A node with no Raft state bootstraps the
// configuration cfg.Peers (every member of a static cluster does, with the
// same list, which hashicorp/raft allows).
func OpenStore(cfg RaftConfig, fsm *FSM) (*Store, error) {
	s := &Store{fsm: fsm, logger: cfg.Logger}
	if err := s.open(cfg); err != nil {
		s.closeParts()
		return nil, err
	}
	s.reads = newReadBatcher(s)
	s.proposer = newProposer(s.raft)
	return s, nil
}

func (s *Store) open(cfg RaftConfig) error {
	walDir := filepath.Join(cfg.Dir, "wal")
	if err := os.MkdirAll(walDir, 0o700); err != nil {
		return err
	}
	segment := cfg.LogSegmentBytes
	if segment <= 0 {
		segment = wal.DefaultSegmentSize
	}
	logs, err := wal.Open(walDir, wal.WithLogger(NewHCLogger(cfg.Logger.With("component", "raft-wal"))),
		wal.WithSegmentSize(segment))
	if err != nil {
		return fmt.Errorf("open raft log: %w", err)
	}
	s.logs = logs
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.Dir, 2, NewHCLogger(cfg.Logger.With("component", "snapshots")))
	if err != nil {
		return fmt.Errorf("open snapshot store: %w", err)
	}
	if err := s.openTransport(cfg); err != nil {
		return err
	}
	// Recent entries stay in memory for replication. The cache holds each
	// entry's whole future, so it is kept small: 256 entries of up to
	// maxBatchOps operations each.
	cached, err := raft.NewLogCache(logCacheEntries, logs)
	if err != nil {
		return err
	}
	rc, err := s.raftConfig(cfg, snaps)
	if err != nil {
		return err
	}
	if err := bootstrapIfNew(rc, cfg, logs, snaps, s.transport); err != nil {
		return err
	}
	s.raft, err = raft.NewRaft(rc, s.fsm, cached, logs, snaps, s.transport)
	return err
}

func (s *Store) openTransport(cfg RaftConfig) error {
	addr, err := net.ResolveTCPAddr("tcp", cfg.BindAddr)
	if err != nil {
		return fmt.Errorf("raft address %q: %w", cfg.BindAddr, err)
	}
	// A pool of 10 connections per peer lets pipelined appends and
	// snapshot installs proceed side by side.
	s.transport, err = raft.NewTCPTransportWithLogger(cfg.BindAddr, addr, 10, 10*time.Second,
		NewHCLogger(cfg.Logger.With("component", "raft-transport")))
	if err != nil {
		return fmt.Errorf("raft transport on %s: %w", cfg.BindAddr, err)
	}
	return nil
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

// Raft exposes the underlying hashicorp/raft instance to the node's
// leadership monitor and status reporting.
func (s *Store) Raft() *raft.Raft { return s.raft }

// FSM returns the state machine this store replicates.
func (s *Store) FSM() *FSM { return s.fsm }

// IsLeader reports whether this node leads and has established its term.
func (s *Store) IsLeader() bool {
	return s.raft.State() == raft.Leader && s.established.Load() == s.raft.CurrentTerm()
}

// Leader returns the current leader's id and Raft address, empty if unknown.
func (s *Store) Leader() (id, addr string) {
	a, i := s.raft.LeaderWithID()
	return string(i), string(a)
}

// Establish commits a barrier in the current term and, if this node still
// leads that term, marks the term established: linearizable reads and
// writes are served from then on. Called by the node's leadership monitor
// on every gain of leadership.
func (s *Store) Establish(timeout time.Duration) error {
	term := s.raft.CurrentTerm()
	if err := s.raft.Barrier(timeout).Error(); err != nil {
		return fmt.Errorf("barrier: %w", err)
	}
	// Raft's own no-op and barrier entries never reach the FSM, so its
	// applied index could stop short of the commit index forever. An empty
	// command brings it level; every later entry is a command or a
	// configuration change, which the FSM does see, so a read index is
	// always reached (see LinearizableRead).
	empty, err := EncodeCommand(&pb.Command{})
	if err != nil {
		return err
	}
	if err := s.raft.Apply(empty, timeout).Error(); err != nil {
		return fmt.Errorf("fence: %w", proposeError(err))
	}
	if s.raft.State() != raft.Leader || s.raft.CurrentTerm() != term {
		return ErrNotLeader
	}
	s.established.Store(term)
	return nil
}

// Shutdown stops Raft and closes the transport and the log. The FSM is
// closed by its owner.
func (s *Store) Shutdown() error {
	var err error
	if s.proposer != nil {
		s.proposer.stopLoop()
	}
	if s.raft != nil {
		err = s.raft.Shutdown().Error()
	}
	if s.proposer != nil {
		s.proposer.drain()
	}
	if cerr := s.closeParts(); err == nil {
		err = cerr
	}
	return err
}

func (s *Store) closeParts() error {
	var err error
	if s.transport != nil {
		err = s.transport.Close()
	}
	if s.logs != nil {
		if cerr := s.logs.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

package raftstore

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore/failpoint"
)

// logCacheEntries is how many recent log entries Raft keeps in memory.
const logCacheEntries = 256

// Peer is one member of a static initial configuration.
type Peer struct {
	ID   string
	Addr string
}

// Store is a Raft-replicated FSM: it proposes commands and serves
// linearizable read barriers. Reads themselves go to the FSM.
type Store struct {
	raft      *raft.Raft
	fsm       *FSM
	transport *raft.NetworkTransport
	push      *commitPush
	files     *raftFiles
	logger    *slog.Logger
	cfg       RaftConfig

	// established is the term in which this node, as leader, committed a
	// barrier: from then on its FSM holds every entry committed before.
	established atomic.Uint64
	reads       *readBatcher
	proposer    *proposer
	// hadState: the node found Raft state (log or snapshots) at start.
	hadState bool
}

// OpenStore starts Raft over fsm. A node with no Raft state bootstraps the
// configuration cfg.Peers (every member of a static cluster does, with the
// same list, which hashicorp/raft allows). Before Raft starts it reads the
// whole Raft log back and refuses a corrupt or truncated one with an error
// wrapping ErrCorruptLog that names the index, the file and the remedy
// (DESIGN.md, "Log entry envelope").
func OpenStore(cfg RaftConfig, fsm *FSM) (*Store, error) {
	s := &Store{fsm: fsm, logger: cfg.Logger, cfg: cfg}
	if err := s.open(cfg); err != nil {
		s.closeParts()
		return nil, err
	}
	s.reads = newReadBatcher(s)
	s.proposer = newProposer(s.raft)
	return s, nil
}

func (s *Store) open(cfg RaftConfig) error {
	files, err := openRaftFiles(cfg.Dir, cfg.Logger, cfg.LogSegmentBytes)
	if err != nil {
		return err
	}
	s.files = files
	logs, snaps := files.logs, files.snaps
	if err := s.verifyLog(cfg, files); err != nil {
		return err
	}
	if err := s.openTransport(cfg); err != nil {
		return err
	}
	// Recent entries stay in memory for replication. The cache holds each
	// entry's whole future, so it is kept small: 256 entries of up to
	// maxBatchOps operations each.
	var store raft.LogStore = logs
	if failpoint.Enabled {
		store = failpointLog{logs}
	}
	cached, err := raft.NewLogCache(logCacheEntries, store)
	if err != nil {
		return err
	}
	rc, err := s.raftConfig(cfg, snaps)
	if err != nil {
		return err
	}
	if s.hadState, err = raft.HasExistingState(logs, logs, snaps); err != nil {
		return err
	}
	trans := s.raftTransport(rc, cfg)
	if err := bootstrapIfNew(rc, cfg, logs, snaps, trans); err != nil {
		return err
	}
	if s.raft, err = raft.NewRaft(rc, s.fsm, cached, logs, snaps, trans); err != nil {
		return err
	}
	if s.push != nil {
		s.push.raft.Store(s.raft)
		s.fsm.push.Store(s.push)
	}
	return nil
}

// raftTransport is the TCP transport, watched by the commit push unless
// it is off (then nothing watches the replies).
func (s *Store) raftTransport(rc *raft.Config, cfg RaftConfig) raft.Transport {
	if cfg.NoCommitPush {
		return s.transport
	}
	header := raft.RPCHeader{ProtocolVersion: rc.ProtocolVersion, ID: []byte(rc.LocalID),
		Addr: s.transport.EncodePeer(rc.LocalID, s.transport.LocalAddr())}
	s.push = newCommitPush(s.transport, header, cfg.Logger)
	return &pushTransport{NetworkTransport: s.transport, push: s.push}
}

// verifyLog runs the startup scan of the Raft log (checkLog) and refuses
// to start on a corrupt or truncated log.
func (s *Store) verifyLog(cfg RaftConfig, files *raftFiles) error {
	snapshot, err := latestSnapshotIndex(files.snaps)
	if err != nil {
		return err
	}
	st := logState{snapshot: snapshot}
	if !s.fsm.NeedsRebuild() {
		st.applied = s.fsm.AppliedIndex()
	}
	start := time.Now()
	n, size, err := checkLog(files.logs, filepath.Join(cfg.Dir, "wal"), st)
	if err != nil {
		cfg.Logger.Error("raftstore: refusing to start on a corrupt Raft log", "error", err)
		return err
	}
	s.fsm.countLog(n, size)
	cfg.Logger.Info("raftstore: Raft log verified", "entries", n, "took", time.Since(start))
	return nil
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

// Raft exposes the underlying hashicorp/raft instance to the node's
// leadership monitor and status reporting.
func (s *Store) Raft() *raft.Raft { return s.raft }

// HadState reports whether the node found Raft state at start; a node
// without it is new to its cluster, or was wiped.
func (s *Store) HadState() bool { return s.hadState }

// Bootstrap forms a new cluster whose voters are peers. It fails with
// raft.ErrCantBootstrap when this node already has Raft state. Given the
// same peers, several nodes may bootstrap; a node that did not is
// configured by the leader's first replication.
func (s *Store) Bootstrap(peers []Peer) error {
	return s.raft.BootstrapCluster(votersOf(peers)).Error()
}

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
	if s.push != nil {
		s.fsm.push.CompareAndSwap(s.push, nil)
		s.push.close()
	}
	if s.transport != nil {
		err = s.transport.Close()
	}
	if s.files != nil {
		if cerr := s.files.close(); err == nil {
			err = cerr
		}
	}
	return err
}

package raftstore

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
)

// Offline disaster-recovery tools: they work on a stopped node's files,
// laid out as OpenFSM (FSMPath) and OpenStore (RaftDir: wal/ and the
// snapshot store) use them.

// OfflineConfig names a node's files and its identity.
type OfflineConfig struct {
	// FSMPath is the bbolt file (the node's FSMConfig.Path).
	FSMPath string
	// RaftDir is the node's RaftConfig.Dir.
	RaftDir string
	// ID and Addr are this node's Raft id and address.
	ID, Addr string
	// Peers is the configuration of the new cluster, this node included;
	// empty means this node alone.
	Peers []Peer
	// Logger may be nil.
	Logger *slog.Logger
}

// restoreTerm is the term of a restored snapshot and of a restored node's
// stable store: a new cluster starts there and its first leader is elected
// in the next term.
const restoreTerm = 1

// keyCurrentTerm is hashicorp/raft's stable-store key for the current term
// (unexported there).
var keyCurrentTerm = []byte("CurrentTerm")

func (c *OfflineConfig) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// configuration returns the Raft configuration of c.Peers, or this node
// alone; it must contain this node.
func (c *OfflineConfig) configuration() (raft.Configuration, error) {
	peers := c.Peers
	if len(peers) == 0 {
		peers = []Peer{{ID: c.ID, Addr: c.Addr}}
	}
	var conf raft.Configuration
	self := false
	for _, p := range peers {
		if p.ID == c.ID {
			self = true
			if c.Addr != "" && p.Addr != c.Addr {
				return conf, fmt.Errorf("peer %s has address %s in the peer list but %s was given for this node", p.ID, p.Addr, c.Addr)
			}
		}
		conf.Servers = append(conf.Servers, raft.Server{
			Suffrage: raft.Voter, ID: raft.ServerID(p.ID), Address: raft.ServerAddress(p.Addr)})
	}
	if !self {
		return conf, fmt.Errorf("the peer list does not contain this node (%s)", c.ID)
	}
	return conf, nil
}

// RestoreSnapshot prepares a node's empty files from a snapshot written by
// FSM.Export, so that the node starts a new cluster (configuration
// c.Peers) holding the snapshot's state at its revision R:
//
//   - FSMPath gets the snapshot, restored through FSM.Restore and closed
//     cleanly, so its applied index is R and the node trusts it at start;
//   - the Raft snapshot store gets a snapshot at index R, term 1, carrying
//     the same bytes and the configuration (committed at index R), so Raft
//     starts with lastIndex R and replays nothing;
//   - the Raft stable store (raft-wal) records term 1; the log is empty, so
//     the first leader writes at R+1 and later.
//
// Every member of the new cluster runs it with the same snapshot and peers.
// It refuses when the node already has Raft state or an FSM file.
func RestoreSnapshot(c OfflineConfig, snapshotPath string) (revision uint64, err error) {
	conf, err := c.configuration()
	if err != nil {
		return 0, err
	}
	revision, err = SnapshotFileRevision(snapshotPath)
	if err != nil {
		return 0, err
	}
	if revision == 0 {
		return 0, fmt.Errorf("%s has applied index 0: not a snapshot of a running cluster", snapshotPath)
	}
	if _, err := os.Stat(c.FSMPath); err == nil {
		return 0, fmt.Errorf("%s exists: restore needs an empty data directory", c.FSMPath)
	}
	if err := os.MkdirAll(filepath.Dir(c.FSMPath), 0o700); err != nil {
		return 0, err
	}
	if err := restoreFSM(c, snapshotPath, revision); err != nil {
		return 0, err
	}
	if err := restoreRaft(c, snapshotPath, revision, conf); err != nil {
		return 0, err
	}
	return revision, nil
}

func restoreFSM(c OfflineConfig, snapshotPath string, revision uint64) error {
	fsm, err := OpenFSM(FSMConfig{Path: c.FSMPath, Logger: c.logger(), Sync: true})
	if err != nil {
		return err
	}
	src, err := os.Open(snapshotPath)
	if err != nil {
		fsm.Close()
		return err
	}
	if err := fsm.Restore(src); err != nil {
		fsm.Close()
		return err
	}
	if got := fsm.AppliedIndex(); got != revision {
		fsm.Close()
		return fmt.Errorf("restored state has applied index %d, want %d", got, revision)
	}
	return fsm.Close()
}

func restoreRaft(c OfflineConfig, snapshotPath string, revision uint64, conf raft.Configuration) error {
	files, err := openRaftFiles(c.RaftDir, c.logger(), 0)
	if err != nil {
		return err
	}
	defer files.close()
	logs, snaps := files.logs, files.snaps
	has, err := raft.HasExistingState(logs, logs, snaps)
	if err != nil {
		return err
	}
	if has {
		return fmt.Errorf("%s holds Raft state: restore needs an empty data directory", c.RaftDir)
	}
	// The transport only encodes the legacy peer list of the snapshot.
	_, trans := raft.NewInmemTransport(raft.ServerAddress(c.Addr))
	defer trans.Close()
	sink, err := snaps.Create(raft.SnapshotVersionMax, revision, restoreTerm, conf, revision, trans)
	if err != nil {
		return fmt.Errorf("create raft snapshot: %w", err)
	}
	src, err := os.Open(snapshotPath)
	if err != nil {
		_ = sink.Cancel()
		return err
	}
	defer src.Close()
	if _, err := io.Copy(sink, src); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("write raft snapshot: %w", err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("write raft snapshot: %w", err)
	}
	return logs.SetUint64(keyCurrentTerm, restoreTerm)
}

// raftFiles are a node's Raft log/stable store (raft-wal in DIR/wal) and
// snapshot store (DIR), opened the same way by OpenStore and the offline
// tools.
type raftFiles struct {
	logs  *wal.WAL
	meta  *metadb.BoltMetaDB
	snaps *raft.FileSnapshotStore
}

// openRaftFiles opens the raft-wal and snapshot store under dir; segment
// is the raft-wal segment size (0: the library's). The WAL's meta store is
// passed in so that close can close it: WAL.Close leaves it (and its file
// lock) open, and a second open in the same process would block.
func openRaftFiles(dir string, logger *slog.Logger, segment int) (*raftFiles, error) {
	walDir := filepath.Join(dir, "wal")
	if err := os.MkdirAll(walDir, 0o700); err != nil {
		return nil, err
	}
	if segment <= 0 {
		segment = wal.DefaultSegmentSize
	}
	f := &raftFiles{meta: &metadb.BoltMetaDB{}}
	var err error
	f.logs, err = wal.Open(walDir, wal.WithMetaStore(f.meta), wal.WithSegmentSize(segment),
		wal.WithLogger(NewHCLogger(logger.With("component", "raft-wal"))))
	if err != nil {
		f.meta.Close()
		return nil, fmt.Errorf("open raft log: %w", err)
	}
	f.snaps, err = raft.NewFileSnapshotStoreWithLogger(dir, 2, NewHCLogger(logger.With("component", "snapshots")))
	if err != nil {
		f.close()
		return nil, fmt.Errorf("open snapshot store: %w", err)
	}
	return f, nil
}

func (f *raftFiles) close() error {
	return errors.Join(f.logs.Close(), f.meta.Close())
}

// recoverFSM releases the snapshots RecoverCluster takes (it never does,
// and an open read transaction would block FSM.Close).
type recoverFSM struct {
	*FSM
	taken []raft.FSMSnapshot
}

func (r *recoverFSM) Snapshot() (raft.FSMSnapshot, error) {
	s, err := r.FSM.Snapshot()
	if err == nil {
		r.taken = append(r.taken, s)
	}
	return s, err
}

func (r *recoverFSM) release() {
	for _, s := range r.taken {
		s.Release()
	}
	r.taken = nil
}

// RecoverSingle rewrites a stopped node's Raft state so that it starts as
// the only voter of its cluster (raft.RecoverCluster): the FSM is brought
// up to the end of the node's log (entries the old cluster had not
// committed included, as with any hashicorp/raft recovery), a snapshot at
// the last log index carries the new configuration, and the log is
// emptied. It returns the index of that snapshot. c.Peers must be empty or
// name this node alone.
func RecoverSingle(c OfflineConfig) (index uint64, err error) {
	if len(c.Peers) > 1 {
		return 0, errors.New("recover makes a single-node cluster; more members are added later")
	}
	conf, err := c.configuration()
	if err != nil {
		return 0, err
	}
	if _, err := os.Stat(c.FSMPath); err != nil {
		return 0, fmt.Errorf("no state at %s: %w", c.FSMPath, err)
	}
	fsm, err := OpenFSM(FSMConfig{Path: c.FSMPath, Logger: c.logger(), Sync: true})
	if err != nil {
		return 0, err
	}
	rf := &recoverFSM{FSM: fsm}
	defer func() {
		rf.release()
		if cerr := fsm.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	files, err := openRaftFiles(c.RaftDir, c.logger(), 0)
	if err != nil {
		return 0, err
	}
	defer files.close()
	logs, snaps := files.logs, files.snaps
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(c.ID)
	rc.Logger = NewHCLogger(c.logger().With("component", "raft"))
	_, trans := raft.NewInmemTransport(raft.ServerAddress(c.Addr))
	defer trans.Close()
	if err := raft.RecoverCluster(rc, rf, logs, logs, snaps, trans, conf); err != nil {
		return 0, fmt.Errorf("recover raft state: %w", err)
	}
	list, err := snaps.List()
	if err != nil || len(list) == 0 {
		return 0, fmt.Errorf("recover: no snapshot after recovery: %v", err)
	}
	return list[0].Index, nil
}

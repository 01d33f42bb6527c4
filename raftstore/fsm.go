package raftstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
	"go.etcd.io/bbolt"
)

// Publisher receives committed events; the store never imports the bus.
type Publisher interface {
	// Publish is called after each committed bbolt transaction (one per
	// ApplyBatch) with the events it wrote, in revision order, and the
	// applied index after it (even when events is empty).
	Publish(events []*pb.Event, applied uint64)
	// Reset is called after Restore replaced the whole state.
	Reset(applied uint64)
}

// FSMConfig configures OpenFSM.
type FSMConfig struct {
	// Path is the bbolt file path; its directory exists.
	Path string
	// Logger receives open, restore and fatal messages; nil discards them.
	Logger *slog.Logger
	// Publisher receives committed events; may be nil.
	Publisher Publisher
	// Sync fsyncs every bbolt commit; the default relies on the durability
	// rules in DESIGN.md instead.
	Sync bool
}

// maxArena bounds the write arena kept between batches.
const maxArena = 4 << 20

// arenaChunk is the size of a fresh write arena chunk.
const arenaChunk = 1 << 20

// FSM is the replicated state machine: it applies Raft entries into bbolt
// and serves reads. It implements raft.BatchingFSM.
type FSM struct {
	cfg FSMConfig
	log *slog.Logger

	mu sync.RWMutex // guards db against Restore's swap and Close
	db *bbolt.DB

	applied   atomic.Uint64
	compacted atomic.Uint64
	// logEntries and logBytes count the log entries this process read at
	// start or applied, and their size, for the average entry size
	// (snapshot_policy.go).
	logEntries   atomic.Uint64
	logBytes     atomic.Uint64
	needsRebuild bool

	waitMu sync.Mutex
	waitCh chan struct{} // closed and replaced whenever applied advances
	closed chan struct{}

	arena    []byte   // write arena, used by the Raft FSM goroutine only
	payloads [][]byte // a batch's command payloads, likewise

	requests requestMemory // remembered request ids (requests.go)
	chain    *hashChain    // the FSM hash chain (chain.go)

	// push, while a Store runs over this FSM, is told of each committed
	// batch before it is applied (commit_push.go).
	push atomic.Pointer[commitPush]
}

var _ raft.BatchingFSM = (*FSM)(nil)

// OpenFSM opens (or creates) the FSM's bbolt file, applying durability rule 3
// before trusting it.
func OpenFSM(cfg FSMConfig) (*FSM, error) {
	if cfg.Path == "" {
		return nil, errors.New("raftstore: FSMConfig.Path is empty")
	}
	f := &FSM{cfg: cfg, log: cfg.Logger, waitCh: make(chan struct{}), closed: make(chan struct{}), chain: newHashChain()}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	rebuild, err := prepareMarker(cfg.Path, f.log)
	if err != nil {
		return nil, err
	}
	f.needsRebuild = rebuild
	if err := f.openDB(); err != nil {
		return nil, err
	}
	return f, nil
}

// openDB opens cfg.Path, creates the buckets and loads the counters.
func (f *FSM) openDB() error {
	db, err := bbolt.Open(f.cfg.Path, 0o600, &bbolt.Options{
		Timeout: dbLockTimeout,
		NoSync:  !f.cfg.Sync,
		// Growing the file by AllocSize (16 MiB) would otherwise truncate
		// and fsync it, flushing every unsynced write so far: a 35 ms stall
		// of the apply loop per 16 MiB written, measured here. Without the
		// fsync the file grows by its page writes; the durability rules
		// (marker, sync before log truncation, rebuild after an unclean OS
		// shutdown) never rely on its size being synced.
		NoGrowSync: !f.cfg.Sync,
		// The freelist is synced: without it bbolt rebuilds the freelist at
		// open by reading every page through the mmap, leaving RSS at the
		// file size (DESIGN.md, "Memory").
		NoFreelistSync:  false,
		FreelistType:    bbolt.FreelistMapType,
		InitialMmapSize: initialMmapSize,
	})
	if err != nil {
		return fmt.Errorf("raftstore: open %s: %w", f.cfg.Path, err)
	}
	var applied, compacted uint64
	var chain [32]byte
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		for _, name := range obsoleteBuckets {
			if tx.Bucket(name) != nil {
				if err := tx.DeleteBucket(name); err != nil {
					return err
				}
			}
		}
		if err := tx.Bucket(bucketMeta).Delete(keyObsoleteRequests); err != nil {
			return err
		}
		applied, compacted = readMeta(tx)
		chain = readChain(tx.Bucket(bucketMeta))
		f.requests.load(tx)
		// A file written before the event counter existed (or restored
		// from such a snapshot) gets it once here.
		if meta := tx.Bucket(bucketMeta); meta.Get(keyEvents) == nil {
			return meta.Put(keyEvents, binary.BigEndian.AppendUint64(nil, countHistory(tx)))
		}
		return nil
	})
	if err != nil {
		db.Close()
		return fmt.Errorf("raftstore: init %s: %w", f.cfg.Path, err)
	}
	f.db = db
	f.applied.Store(applied)
	f.compacted.Store(compacted)
	f.chain.reset(applied, chain)
	return nil
}

// NeedsRebuild reports whether OpenFSM found the file untrustworthy after an
// unclean OS shutdown and started empty; Raft must then restore the latest
// snapshot and replay the log.
func (f *FSM) NeedsRebuild() bool { return f.needsRebuild }

// AppliedIndex returns the index of the last applied Raft entry.
func (f *FSM) AppliedIndex() uint64 { return f.applied.Load() }

// CompactedRevision returns the revision at or below which history is gone.
func (f *FSM) CompactedRevision() uint64 { return f.compacted.Load() }

// WaitApplied blocks until the applied index reaches index, ctx ends or the
// FSM closes.
func (f *FSM) WaitApplied(ctx context.Context, index uint64) error {
	for {
		f.waitMu.Lock()
		ch := f.waitCh
		f.waitMu.Unlock()
		if f.applied.Load() >= index {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-f.closed:
			return ErrClosed
		}
	}
}

// setApplied publishes a new applied index and wakes waiters.
func (f *FSM) setApplied(index uint64) {
	f.applied.Store(index)
	f.waitMu.Lock()
	close(f.waitCh)
	f.waitCh = make(chan struct{})
	f.waitMu.Unlock()
}

// Close syncs bbolt, closes it and writes the clean-shutdown marker.
func (f *FSM) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db == nil {
		return nil
	}
	close(f.closed)
	err := errors.Join(f.db.Sync(), f.db.Close())
	f.db = nil
	if err != nil {
		return fmt.Errorf("raftstore: close: %w", err)
	}
	return writeMarker(f.cfg.Path, markerClean)
}

// view runs fn in a read transaction, failing with ErrClosed after Close.
func (f *FSM) view(fn func(tx *bbolt.Tx) error) error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		return ErrClosed
	}
	return f.db.View(fn)
}

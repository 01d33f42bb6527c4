package raftstore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hashicorp/raft"
	"go.etcd.io/bbolt"

	"github.com/drover/drover/raftstore/failpoint"
)

// fsmSnapshot is a read transaction over the whole bbolt file.
type fsmSnapshot struct {
	db *bbolt.DB
	tx *bbolt.Tx
}

// Snapshot is cheap: it opens a read transaction; Persist does the I/O.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.db == nil {
		return nil, ErrClosed
	}
	tx, err := f.db.Begin(false)
	if err != nil {
		return nil, fmt.Errorf("raftstore: snapshot: %w", err)
	}
	return &fsmSnapshot{db: f.db, tx: tx}, nil
}

// Persist writes the consistent copy to sink, then fsyncs the bbolt file so
// that Raft may truncate the log behind the snapshot (durability rule 2).
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	var w io.Writer = sink
	if failpoint.Enabled {
		w = &halfwayWriter{w: sink, at: s.tx.Size() / 2}
	}
	_, err := s.tx.WriteTo(w)
	if err == nil {
		err = s.db.Sync()
	}
	if err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("raftstore: persist snapshot: %w", err)
	}
	return sink.Close()
}

// Release ends the read transaction.
func (s *fsmSnapshot) Release() {
	_ = s.tx.Rollback()
}

// Restore replaces the whole state with a snapshot: it writes a new file
// beside Path, fsyncs it, swaps it in with a rename, reopens it and tells the
// publisher to reset.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	tmp := f.cfg.Path + ".restore"
	if err := writeSnapshotFile(tmp, rc); err != nil {
		_ = os.Remove(tmp)
		return err
	}
	if err := f.swap(tmp); err != nil {
		return err
	}
	applied := f.applied.Load()
	f.log.Info("raftstore: restored snapshot", "applied", applied)
	if f.cfg.Publisher != nil {
		f.cfg.Publisher.Reset(applied)
	}
	return nil
}

// writeSnapshotFile copies a snapshot stream to path, fsyncs and checks that
// it is a bbolt file.
func writeSnapshotFile(path string, r io.Reader) error {
	out, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("raftstore: restore: %w", err)
	}
	_, err = io.Copy(out, r)
	if err = errors.Join(err, out.Sync(), out.Close()); err != nil {
		return fmt.Errorf("raftstore: restore: %w", err)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: dbLockTimeout, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("raftstore: restore: snapshot is not a bbolt file: %w", err)
	}
	return db.Close()
}

// swap closes the current file, renames tmp over it and reopens it.
func (f *FSM) swap(tmp string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db == nil {
		return ErrClosed
	}
	if err := f.db.Close(); err != nil {
		return fmt.Errorf("raftstore: restore: close: %w", err)
	}
	f.db = nil
	if err := os.Rename(tmp, f.cfg.Path); err != nil {
		return fmt.Errorf("raftstore: restore: %w", err)
	}
	if err := syncDir(filepath.Dir(f.cfg.Path)); err != nil {
		return fmt.Errorf("raftstore: restore: %w", err)
	}
	failpoint.Inject(failpoint.SnapshotRestore)
	if err := f.openDB(); err != nil {
		return err
	}
	f.setApplied(f.applied.Load())
	return nil
}

// halfwayWriter hits the snapshot-persist failpoint once, before the
// write that would take the bytes written through it past at (bbolt
// writes its two meta pages first, so at least those precede it); its
// error fails the write. Persist uses it only when failpoint.Enabled.
type halfwayWriter struct {
	w   io.Writer
	at  int64
	n   int64
	hit bool
}

func (h *halfwayWriter) Write(p []byte) (int, error) {
	if !h.hit && h.n+int64(len(p)) > h.at {
		h.hit = true
		if err := failpoint.Inject(failpoint.SnapshotPersist); err != nil {
			return 0, err
		}
	}
	n, err := h.w.Write(p)
	h.n += int64(n)
	return n, err
}

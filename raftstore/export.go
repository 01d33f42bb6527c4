package raftstore

import (
	"fmt"
	"io"

	"go.etcd.io/bbolt"
)

// Export writes a consistent copy of the whole bbolt file to w, taken in
// one read transaction: the copy opens as a bbolt file whose meta/applied
// is the returned revision. begin, if not nil, is called with the revision
// inside the transaction before the first byte is written.
//
// The read transaction is held while w is written, and bbolt cannot grow
// its mmap meanwhile (a write transaction that needs to would wait), so w
// should be fast: a local file, not a network stream. (It is not named
// WriteTo because its signature differs from io.WriterTo's.)
func (f *FSM) Export(w io.Writer, begin func(revision uint64)) (revision uint64, n int64, err error) {
	err = f.view(func(tx *bbolt.Tx) error {
		revision, _ = readMeta(tx)
		if begin != nil {
			begin(revision)
		}
		var werr error
		n, werr = tx.WriteTo(w)
		return werr
	})
	if err != nil {
		return 0, n, fmt.Errorf("raftstore: export: %w", err)
	}
	return revision, n, nil
}

// SnapshotFileRevision opens a bbolt file written by Export read-only and
// returns its applied index (the revision of the copy).
func SnapshotFileRevision(path string) (uint64, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: dbLockTimeout, ReadOnly: true})
	if err != nil {
		return 0, fmt.Errorf("%s is not a Drover snapshot (bbolt): %w", path, err)
	}
	defer db.Close()
	var applied uint64
	err = db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil || tx.Bucket(bucketObjects) == nil {
			return fmt.Errorf("%s is a bbolt file but not a Drover snapshot (no meta or objects bucket)", path)
		}
		applied, _ = readMeta(tx)
		return nil
	})
	return applied, err
}

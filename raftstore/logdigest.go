package raftstore

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/hashicorp/raft"
)

// MaxLogDigestEntries caps how many entries one LogDigest call returns.
const MaxLogDigestEntries = 10000

// LogEntryDigest describes one entry of the local Raft log without its
// data: replicas compare their committed prefixes entry by entry with it.
type LogEntryDigest struct {
	Index uint64
	Term  uint64
	// Type is the raft.LogType's name, such as "LogCommand".
	Type string
	// SHA256 is the SHA-256 of the entry's data.
	SHA256 [32]byte
}

// LogBounds returns the first and last index held in the local Raft log;
// entries below first were compacted behind a snapshot. Both are zero when
// the log is empty.
func (s *Store) LogBounds() (first, last uint64, err error) {
	if first, err = s.files.logs.FirstIndex(); err != nil {
		return 0, 0, fmt.Errorf("raftstore: log first index: %w", err)
	}
	if last, err = s.files.logs.LastIndex(); err != nil {
		return 0, 0, fmt.Errorf("raftstore: log last index: %w", err)
	}
	return first, last, nil
}

// LogDigest digests the entries of the local Raft log in [from, to], in
// index order. Indexes the log does not hold (compacted behind a snapshot,
// or beyond its end) are absent from the result; LogBounds tells which are
// held. At most MaxLogDigestEntries entries are returned, from the first
// held index at or after from: a caller pages on from the last one + 1.
func (s *Store) LogDigest(from, to uint64) ([]LogEntryDigest, error) {
	if from > to {
		return nil, fmt.Errorf("raftstore: log digest: from %d is after to %d", from, to)
	}
	first, last, err := s.LogBounds()
	if err != nil || last == 0 {
		return nil, err
	}
	lo, hi := max(from, first), min(to, last)
	if lo > hi {
		return nil, nil
	}
	hi = min(hi, lo+MaxLogDigestEntries-1)
	out := make([]LogEntryDigest, 0, hi-lo+1)
	var l raft.Log
	for i := lo; i <= hi; i++ {
		if err := s.files.logs.GetLog(i, &l); err != nil {
			if errors.Is(err, raft.ErrLogNotFound) {
				continue // compacted since LogBounds
			}
			return nil, fmt.Errorf("raftstore: log digest: entry %d: %w", i, err)
		}
		out = append(out, LogEntryDigest{Index: l.Index, Term: l.Term, Type: l.Type.String(), SHA256: sha256.Sum256(l.Data)})
	}
	return out, nil
}

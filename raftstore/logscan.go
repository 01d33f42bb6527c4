package raftstore

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"

	"github.com/hashicorp/raft"
)

// logState is what the startup scan compares the Raft log with.
type logState struct {
	// applied is the FSM's applied index; 0 when it is rebuilt.
	applied uint64
	// snapshot is the newest snapshot's index, 0 without one.
	snapshot uint64
}

// checkLog reads every entry of the Raft log before Raft starts (DESIGN.md,
// "Log entry envelope") and fails, wrapping ErrCorruptLog, at the first one
// that cannot be read back as written: unreadable, at another index than
// its position, with a term below the previous entry's, of an unknown type,
// or a command whose envelope does not match its checksum. It also fails
// when the log ends below what the FSM applied and no snapshot covers the
// gap: entries this node had written are gone (a truncated segment). It
// decodes nothing beyond the envelope. It returns how many entries it read
// and the bytes of their data.
func checkLog(logs raft.LogStore, walDir string, st logState) (entries, size uint64, err error) {
	first, err := logs.FirstIndex()
	if err != nil {
		return 0, 0, fmt.Errorf("raftstore: log first index: %w", err)
	}
	last, err := logs.LastIndex()
	if err != nil {
		return 0, 0, fmt.Errorf("raftstore: log last index: %w", err)
	}
	var l raft.Log
	var term uint64
	for i := first; i <= last && last > 0; i++ {
		if err := checkEntry(logs, i, term, &l); err != nil {
			return entries, size, corruptLogError(i, segmentFile(walDir, i), err)
		}
		term = l.Term
		entries++
		size += uint64(len(l.Data))
	}
	if st.applied > max(last, st.snapshot) {
		return entries, size, corruptLogError(last+1, walDir, fmt.Errorf(
			"%w: the log ends at index %d but the state was applied up to %d (newest snapshot %d): entries are missing",
			ErrCorruptLog, last, st.applied, st.snapshot))
	}
	return entries, size, nil
}

// checkEntry reads entry i into l and checks it; prevTerm is the term of
// the entry before it.
func checkEntry(logs raft.LogStore, i, prevTerm uint64, l *raft.Log) error {
	if err := logs.GetLog(i, l); err != nil {
		return fmt.Errorf("%w: read: %v", ErrCorruptLog, err)
	}
	switch {
	case l.Index != i:
		return fmt.Errorf("%w: the entry holds index %d", ErrCorruptLog, l.Index)
	case l.Term < prevTerm:
		return fmt.Errorf("%w: term %d after term %d", ErrCorruptLog, l.Term, prevTerm)
	case l.Type > raft.LogConfiguration:
		return fmt.Errorf("%w: unknown entry type %d", ErrCorruptLog, l.Type)
	case l.Type == raft.LogCommand:
		_, err := openEntry(l.Data)
		return err
	}
	return nil
}

// segmentFile names the raft-wal segment file that holds index: of the
// files named BASEINDEX-ID.wal, the newest whose base index is at or below
// it; walDir itself when there is none.
func segmentFile(walDir string, index uint64) string {
	names, _ := filepath.Glob(filepath.Join(walDir, "*.wal"))
	sort.Strings(names) // fixed-width decimal base index, then hex id
	file := walDir
	for _, name := range names {
		base := filepath.Base(name)
		if len(base) < 20 {
			continue
		}
		if b, err := strconv.ParseUint(base[:20], 10, 64); err == nil && b <= index {
			file = name
		}
	}
	return file
}

package raftstore

import "go.etcd.io/bbolt"

// Snapshot scheduling. A snapshot copies the whole bbolt file, so what it
// costs grows with the state, while what it buys, log that may be freed,
// grows with the log written since the last one. A fixed entry threshold
// therefore suits only one state size: with about 160,000 ConfigMaps of
// 1 KiB and a full history (a 345 MB file) and 8,192 entries, every
// snapshot wrote 345 MB to free about 11 MB of log, a second of CPU on each
// node every half minute at 1,000 writes/s, and watch p99 rose from ~25 ms
// to 200-500 ms while one ran.
//
// AdaptSnapshotThreshold keeps the configured threshold as a floor and
// raises it until the log written since the last snapshot is at least
// SnapshotLogRatio times the state file: snapshots then write at most
// 1/ratio bytes per byte of log, and the log on disk stays within ratio
// times the state (plus TrailingLogs). Small states keep the floor.

// minAdaptEntries is how many log entries the average entry size needs
// before it is trusted.
const minAdaptEntries = 1000

// AdaptSnapshotThreshold sets Raft's snapshot threshold for the current
// state size and returns it. The node calls it at start and every
// SnapshotInterval. The average entry size comes from the log read at
// start and the entries applied since, so a restarted node adapts at once.
func (s *Store) AdaptSnapshotThreshold() (uint64, error) {
	want := s.snapshotThreshold()
	rc := s.raft.ReloadableConfig()
	if rc.SnapshotThreshold == want {
		return want, nil
	}
	rc.SnapshotThreshold = want
	return want, s.raft.ReloadConfig(rc)
}

// SnapshotThreshold reports Raft's current snapshot threshold.
func (s *Store) SnapshotThreshold() uint64 { return s.raft.ReloadableConfig().SnapshotThreshold }

func (s *Store) snapshotThreshold() uint64 {
	state, err := s.fsm.StateBytes()
	if err != nil {
		return s.cfg.SnapshotThreshold
	}
	return adaptiveThreshold(s.cfg.SnapshotThreshold, s.cfg.SnapshotLogRatio, state,
		s.fsm.logEntries.Load(), s.fsm.logBytes.Load())
}

// adaptiveThreshold is the entry count whose log, at the average entry
// size seen (logBytes over entries), is ratio times stateBytes, and never
// below floor.
func adaptiveThreshold(floor uint64, ratio float64, stateBytes, entries, logBytes uint64) uint64 {
	if ratio <= 0 || entries < minAdaptEntries || logBytes == 0 {
		return floor
	}
	avg := float64(logBytes) / float64(entries)
	return max(floor, uint64(float64(stateBytes)*ratio/avg))
}

// countLog adds entries of size bytes to the log statistics.
func (f *FSM) countLog(entries, size uint64) {
	f.logEntries.Add(entries)
	f.logBytes.Add(size)
}

// StateBytes reports the size of the state file, which is what a snapshot
// copies.
func (f *FSM) StateBytes() (uint64, error) {
	var n int64
	err := f.view(func(tx *bbolt.Tx) error {
		n = tx.Size()
		return nil
	})
	return uint64(n), err
}

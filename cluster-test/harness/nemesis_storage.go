package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Storage faults on a stopped node (CHAOS.md scenario 25). Each damages
// one file the way a failing disk or a power cut can; the node must then
// refuse to start or repair itself from its peers, and never serve bad
// data (the run's checks look at what it served).

// corruption damages node i's data dir; it returns what it did.
type corruption func(dataDir string, pick func(int) int) (string, error)

// fsmFile, markerFile and walDir are where a node keeps its state (see
// raftstore: fsm/state.db, its clean-shutdown marker, raft/wal).
func fsmFile(dataDir string) string    { return filepath.Join(dataDir, "fsm", "state.db") }
func markerFile(dataDir string) string { return fsmFile(dataDir) + ".state" }
func walDir(dataDir string) string     { return filepath.Join(dataDir, "raft", "wal") }

// powerLoss tears the state file and marks it as left by another boot, as
// after a power cut: the node must rebuild it from its snapshot and log.
func powerLoss(dataDir string, _ func(int) int) (string, error) {
	if err := truncateHalf(fsmFile(dataDir)); err != nil {
		return "", err
	}
	err := os.WriteFile(markerFile(dataDir), []byte("running 00000000-power-loss\n"), 0o600)
	return "power loss: state file torn, marker from another boot", err
}

// flipStateBit flips one bit of the state file's written part, with a
// trusted marker (a process crash, not a power cut).
func flipStateBit(dataDir string, pick func(int) int) (string, error) {
	off, err := flipBit(fsmFile(dataDir), pick)
	return fmt.Sprintf("flipped a bit of fsm/state.db at byte %d", off), err
}

// flipWALBit flips one bit in the written part of the newest Raft log
// segment.
func flipWALBit(dataDir string, pick func(int) int) (string, error) {
	seg, err := newestSegment(dataDir)
	if err != nil {
		return "", err
	}
	off, err := flipBit(seg, pick)
	return fmt.Sprintf("flipped a bit of raft/wal/%s at byte %d", filepath.Base(seg), off), err
}

// truncateWAL cuts the written part of the newest Raft log segment in
// half, as a torn write at the end of the log would, only worse.
func truncateWAL(dataDir string, _ func(int) int) (string, error) {
	seg, err := newestSegment(dataDir)
	if err != nil {
		return "", err
	}
	used, err := writtenSize(seg)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("truncated raft/wal/%s from %d written bytes to %d", filepath.Base(seg), used, used/2),
		os.Truncate(seg, used/2)
}

func newestSegment(dataDir string) (string, error) {
	segs, err := filepath.Glob(filepath.Join(walDir(dataDir), "*.wal"))
	if err != nil || len(segs) == 0 {
		return "", fmt.Errorf("no raft log segment in %s", walDir(dataDir))
	}
	sort.Strings(segs) // names start with the zero-padded first index
	return segs[len(segs)-1], nil
}

// writtenSize is the offset after the last non-zero byte: files are
// preallocated with zeroes, so the file size says little.
func writtenSize(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	n := len(b)
	for n > 0 && b[n-1] == 0 {
		n--
	}
	return int64(n), nil
}

func truncateHalf(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.Truncate(path, st.Size()/2)
}

// flipBit flips one bit at an offset pick chooses below the file size.
func flipBit(path string, pick func(int) int) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	used, err := writtenSize(path)
	if err != nil || used == 0 {
		return 0, fmt.Errorf("flip a bit of %s: empty or unreadable: %v", path, err)
	}
	off := int64(pick(int(used)))
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		return 0, err
	}
	b[0] ^= 1 << pick(8)
	if _, err := f.WriteAt(b, off); err != nil {
		return 0, err
	}
	return off, f.Sync()
}

// refuseWindow is how long a damaged node has to refuse to start.
const refuseWindow = 10 * time.Second

// Damage kills node i, applies c to its data dir and starts it again. A
// node that exits within refuseWindow refused to start: it is then
// replaced by a wiped one, the documented recovery.
func (n *Nemesis) Damage(ctx context.Context, i int, c corruption) error {
	if err := n.c.Kill(i); err != nil {
		return err
	}
	what, err := c(n.c.DataDir(i), n.rng.IntN)
	if err != nil {
		return err
	}
	n.open(fmt.Sprintf("down-%d", i), "kill", fmt.Sprintf("%s: %s", n.c.ID(i), what), i)
	if err := n.Restart(i); err != nil {
		return err
	}
	deadline := time.Now().Add(refuseWindow)
	for n.c.Running(i) && time.Now().Before(deadline) && ctx.Err() == nil {
		sleepCtx(ctx, 100*time.Millisecond)
	}
	if n.c.Running(i) {
		n.log("nemesis: %s started on the damaged data dir", n.c.ID(i))
		return nil
	}
	n.log("nemesis: %s refused to start; replacing it with a wiped data dir", n.c.ID(i))
	if err := n.c.Wipe(i); err != nil {
		return err
	}
	return n.Restart(i)
}

package raftstore

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Marker states; the marker file holds "<state> <boot id>".
const (
	markerRunning = "running"
	markerClean   = "clean"

	dbLockTimeout   = 5 * time.Second
	initialMmapSize = 256 << 20
)

// bootID returns the kernel's boot id; tests replace it. An empty id means
// unknown, which makes a "running" marker untrustworthy.
var bootID = func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// markerPath is the clean-shutdown marker beside the bbolt file.
func markerPath(dbPath string) string { return dbPath + ".state" }

// prepareMarker applies durability rule 3: it decides whether an existing
// bbolt file can be trusted, moves an untrusted one aside, and durably marks
// the file as running before any unsynced write. It reports whether the
// state must be rebuilt from Raft.
func prepareMarker(dbPath string, log *slog.Logger) (bool, error) {
	rebuild := false
	if _, err := os.Stat(dbPath); err == nil {
		state, boot := readMarker(dbPath)
		if !trusted(state, boot) {
			if err := moveAside(dbPath); err != nil {
				return false, err
			}
			log.Warn("raftstore: unclean OS shutdown, FSM state set aside for rebuild from snapshot and log",
				"path", dbPath, "marker", state, "untrusted", dbPath+".untrusted")
			rebuild = true
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("raftstore: stat %s: %w", dbPath, err)
	}
	return rebuild, writeMarker(dbPath, markerRunning)
}

// trusted reports whether a file left with this marker holds every write the
// process made: after a clean close, or after a process crash with the same
// kernel still running (the page cache had the writes).
func trusted(state, boot string) bool {
	switch state {
	case markerClean:
		return true
	case markerRunning:
		id := bootID()
		return id != "" && id == boot
	}
	return false
}

// readMarker returns the marker's state and boot id, empty when unreadable.
func readMarker(dbPath string) (state, boot string) {
	b, err := os.ReadFile(markerPath(dbPath))
	if err != nil {
		return "", ""
	}
	state, boot, _ = strings.Cut(strings.TrimSpace(string(b)), " ")
	return state, boot
}

// writeMarker durably replaces the marker: temp file, fsync, rename, fsync dir.
func writeMarker(dbPath, state string) error {
	p := markerPath(dbPath)
	tmp := p + ".tmp"
	if err := writeFileSync(tmp, []byte(state+" "+bootID()+"\n")); err != nil {
		return fmt.Errorf("raftstore: write marker: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("raftstore: write marker: %w", err)
	}
	return syncDir(filepath.Dir(p))
}

// moveAside renames an untrusted bbolt file to <path>.untrusted.
func moveAside(dbPath string) error {
	if err := os.Rename(dbPath, dbPath+".untrusted"); err != nil {
		return fmt.Errorf("raftstore: move untrusted state aside: %w", err)
	}
	return syncDir(filepath.Dir(dbPath))
}

// writeFileSync writes data to path and fsyncs it.
func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Sync(), f.Close())
}

// syncDir fsyncs a directory so that renames in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

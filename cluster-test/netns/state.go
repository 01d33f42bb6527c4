package netns

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// StateDir holds one state file per prefix, <prefix>.json, naming what a
// run made. /run is a tmpfs, cleared on reboot together with namespaces.
const StateDir = "/run/drover-cluster-test"

// state is what a run made, written before it makes it.
type state struct {
	Prefix     string   `json:"prefix"`
	PID        int      `json:"pid"`
	Namespaces []string `json:"namespaces"`
	Dirs       []string `json:"dirs,omitempty"`
}

// statePath is the state file of a prefix.
func statePath(prefix string) string {
	return filepath.Join(StateDir, prefix+".json")
}

// writeState replaces the state file atomically.
func writeState(s state) error {
	if err := os.MkdirAll(StateDir, 0o700); err != nil {
		return fmt.Errorf("netns: state dir: %w", err)
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("netns: encoding state: %w", err)
	}
	tmp := statePath(s.Prefix) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("netns: writing state: %w", err)
	}
	if err := os.Rename(tmp, statePath(s.Prefix)); err != nil {
		return fmt.Errorf("netns: writing state: %w", err)
	}
	return nil
}

// readState reads a prefix's state file; ok is false when there is none.
func readState(prefix string) (s state, ok bool, err error) {
	b, err := os.ReadFile(statePath(prefix))
	if errors.Is(err, os.ErrNotExist) {
		return state{}, false, nil
	}
	if err != nil {
		return state{}, false, fmt.Errorf("netns: reading state: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return state{}, false, fmt.Errorf("netns: state file %s: %w", statePath(prefix), err)
	}
	return s, true, nil
}

// removeState deletes a prefix's state file, if any.
func removeState(prefix string) error {
	err := os.Remove(statePath(prefix))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("netns: removing state: %w", err)
	}
	return nil
}

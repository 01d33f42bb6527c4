package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"golang.org/x/sys/unix"
)

// netnsDir is where ip netns keeps a file per named namespace.
const netnsDir = "/run/netns"

// Teardown stops the delay proxy (closing the connections it relays),
// kills every process left in the network's namespaces, deletes
// the namespaces (which removes their links and rules), removes the
// directories given to TrackDir, and then the state file. Calling it again
// does nothing. If a step fails, the state file stays, so that the next
// Setup or CleanupStale with this prefix retries.
func (n *Net) Teardown() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.faults = nil
	if n.proxy != nil {
		n.proxy.stop()
	}
	return removeAll(n.st)
}

// TrackDir records a directory (a node's data dir, say) for Teardown and
// CleanupStale to remove. The path must be absolute and not the root.
func (n *Net) TrackDir(path string) error {
	path = filepath.Clean(path)
	if !filepath.IsAbs(path) || path == "/" {
		return fmt.Errorf("netns: track dir %q: want an absolute path below /", path)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if !slices.Contains(n.st.Dirs, path) {
		n.st.Dirs = append(n.st.Dirs, path)
	}
	return writeState(n.st)
}

// CleanupStale removes what a run with this prefix left behind: the
// namespaces and directories in its state file, any other namespace named
// <prefix>-br, <prefix>-c or <prefix>-n<i>, the processes inside them, and
// the state file. It refuses when the state file names another process
// that is still alive: that run is not stale.
func CleanupStale(prefix string) error {
	if !prefixRE.MatchString(prefix) {
		return fmt.Errorf("netns: prefix %q: want 1-12 of [a-z0-9], starting with a letter", prefix)
	}
	st, ok, err := readState(prefix)
	if err != nil {
		return err
	}
	if ok && st.PID != os.Getpid() && processAlive(st.PID) {
		return fmt.Errorf("netns: prefix %q is in use by running process %d (state file %s); stop it or use another prefix",
			prefix, st.PID, statePath(prefix))
	}
	found, err := namespacesMatching(prefix)
	if err != nil {
		return err
	}
	st.Prefix = prefix
	for _, ns := range found {
		if !slices.Contains(st.Namespaces, ns) {
			st.Namespaces = append(st.Namespaces, ns)
		}
	}
	return removeAll(st)
}

// removeAll removes everything a state names, then its state file.
func removeAll(st state) error {
	var errs []error
	for _, ns := range st.Namespaces {
		errs = append(errs, deleteNamespace(ns))
	}
	for _, d := range st.Dirs {
		// A tracked dir may be a mount point (cluster-test's tmpfs data
		// dirs); unmounting one that is not fails harmlessly.
		_ = unix.Unmount(d, unix.MNT_DETACH)
		errs = append(errs, os.RemoveAll(d))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return removeState(st.Prefix)
}

// deleteNamespace kills the processes in namespace ns and deletes it, if
// it exists.
func deleteNamespace(ns string) error {
	if _, err := os.Stat(filepath.Join(netnsDir, ns)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := killAll(ns); err != nil {
		return err
	}
	_, err := run("", "ip", "netns", "delete", ns)
	return err
}

// namespacesMatching lists the named namespaces a run with prefix makes.
func namespacesMatching(prefix string) ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("netns: listing namespaces: %w", err)
	}
	re := ownedRE(prefix)
	var names []string
	for _, e := range entries {
		if re.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

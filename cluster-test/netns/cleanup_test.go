package netns

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leftovers lists the namespaces `ip netns list` shows with the prefix and whether its state
// file exists.
func leftovers(t *testing.T, prefix string) ([]string, bool) {
	t.Helper()
	out, err := run("", "ip", "netns", "list")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, prefix+"-") {
			names = append(names, strings.Fields(line)[0])
		}
	}
	_, err = os.Stat(statePath(prefix))
	return names, !errors.Is(err, os.ErrNotExist)
}

func TestTeardownRemovesEverything(t *testing.T) {
	n := setupNet(t, "nsdown", 2)
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := n.TrackDir(dir); err != nil {
		t.Fatal(err)
	}
	cmd := n.Command(2, "sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitComm(t, cmd.Process.Pid, "sleep")
	if err := n.Teardown(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Error("the process in node 2 was not killed")
	}
	if names, state := leftovers(t, "nsdown"); len(names) > 0 || state {
		t.Errorf("left behind: namespaces %q, state file %v", names, state)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data dir still there: %v", err)
	}
	if err := n.Teardown(); err != nil {
		t.Errorf("second Teardown: %v", err)
	}
}

// TestCleanupStale drops a network without Teardown, as a crash would,
// and checks that CleanupStale and a new Setup clear it.
func TestCleanupStale(t *testing.T) {
	crashed := setupNet(t, "nsstale", 2)
	if names, state := leftovers(t, "nsstale"); len(names) != 4 || !state {
		t.Fatalf("after Setup: namespaces %q, state file %v", names, state)
	}
	again, err := Setup(Config{Prefix: "nsstale", Nodes: 3})
	if err != nil {
		t.Fatalf("Setup over a crashed run: %v", err)
	}
	if names, _ := leftovers(t, "nsstale"); len(names) != 5 {
		t.Fatalf("after the second Setup: namespaces %q", names)
	}
	_ = again // dropped: crashed too
	if err := CleanupStale("nsstale"); err != nil {
		t.Fatal(err)
	}
	if names, state := leftovers(t, "nsstale"); len(names) > 0 || state {
		t.Errorf("left behind: namespaces %q, state file %v", names, state)
	}
	if err := crashed.Teardown(); err != nil {
		t.Errorf("Teardown after cleanup: %v", err)
	}
}

func TestCleanupStaleRefusesLiveRun(t *testing.T) {
	n := setupNet(t, "nslive", 1)
	cmd := n.Command(1, "sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	st := n.st
	st.PID = cmd.Process.Pid
	if err := writeState(st); err != nil {
		t.Fatal(err)
	}
	if err := CleanupStale("nslive"); err == nil {
		t.Fatal("CleanupStale removed the network of a live process")
	}
}

package netns

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// childEnv selects what TestMain's child mode does: "crash" or "signal".
const childEnv = "NETNS_TEST_CHILD"

// TestMain runs the child modes that stand for a harness process.
func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "crash":
		childSetup("nscrash")
		fmt.Println("ready")
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	case "signal":
		childSetup("nssig").TeardownOnSignal()
		fmt.Println("ready")
		time.Sleep(time.Minute)
	}
	os.Exit(3)
}

// childSetup builds a network in a child, or exits.
func childSetup(prefix string) *Net {
	n, err := Setup(Config{Prefix: prefix, Nodes: 2})
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	return n
}

// startChild runs this test binary in a child mode until it says "ready".
func startChild(t *testing.T, mode string) *exec.Cmd {
	t.Helper()
	if err := CheckPrivileges(); err != nil {
		t.Skipf("skipping: needs root with network namespaces: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child %s: %q", mode, line)
	}
	return cmd
}

func TestCleanupAfterCrashedProcess(t *testing.T) {
	cmd := startChild(t, "crash")
	cmd.Wait()
	if names, state := leftovers(t, "nscrash"); len(names) != 4 || !state {
		t.Fatalf("the crashed child left namespaces %q, state file %v", names, state)
	}
	if err := CleanupStale("nscrash"); err != nil {
		t.Fatal(err)
	}
	if names, state := leftovers(t, "nscrash"); len(names) > 0 || state {
		t.Errorf("left behind: namespaces %q, state file %v", names, state)
	}
}

func TestTeardownOnSignal(t *testing.T) {
	cmd := startChild(t, "signal")
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 128+int(syscall.SIGTERM) {
		t.Errorf("child after SIGTERM: %v, want exit status 143", err)
	}
	if names, state := leftovers(t, "nssig"); len(names) > 0 || state {
		t.Errorf("left behind: namespaces %q, state file %v", names, state)
		CleanupStale("nssig")
	}
}

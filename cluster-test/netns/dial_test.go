package netns

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSocketsOpenInsideNamespaces checks the setns dance with loopback
// only: a listener on 127.0.0.1 in node 2 is reachable from node 2 and
// from nowhere else. It runs first, so that a broken dialer is caught
// before any test sends to the subnet.
func TestSocketsOpenInsideNamespaces(t *testing.T) {
	n := setupNet(t, "nsdial", 2)
	l, err := n.Listen(2, "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for c, err := l.Accept(); err == nil; c, err = l.Accept() {
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), reachTimeout)
	defer cancel()
	c, err := n.DialFrom(ctx, 2, "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial inside node 2: %v", err)
	}
	c.Close()
	for _, from := range []int{1, client} {
		_, err := dial(ctx, n, from, "tcp", l.Addr().String())
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("dial from %d to node 2's loopback: want connection refused, got %v", from, err)
		}
	}
}

func TestDialRefusesHostNames(t *testing.T) {
	n := &Net{prefix: "x", nodes: 1}
	if _, err := n.DialContext(t.Context(), "tcp", "localhost:7700"); err == nil {
		t.Fatal("dialed a host name")
	}
}

func TestNodesAndClientReachEachOther(t *testing.T) {
	n := setupNet(t, "nsnet", 3)
	for i := 1; i <= 3; i++ {
		serveTCP(t, n, i, PortRaft)
	}
	for _, from := range []int{client, 1, 2, 3} {
		for to := 1; to <= 3; to++ {
			mustConnect(t, n, from, to, PortRaft)
		}
	}
	if got := n.NodeIP(2); got != "10.77.0.12" {
		t.Errorf("NodeIP(2) = %s", got)
	}
	if got := n.ClientIP(); got != "10.77.0.100" {
		t.Errorf("ClientIP = %s", got)
	}
}

// TestCommandExecs checks that ip netns exec replaces itself with the
// program: the pid Command starts becomes the program, in the namespace.
func TestCommandExecs(t *testing.T) {
	n := setupNet(t, "nscmd", 1)
	cmd := n.Command(1, "sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	comm := waitComm(t, cmd.Process.Pid, "sleep")
	if comm != "sleep" {
		t.Fatalf("pid %d runs %q, not sleep: ip did not exec", cmd.Process.Pid, comm)
	}
	if nsInode(t, "/proc/"+strconv.Itoa(cmd.Process.Pid)+"/ns/net") != nsInode(t, netnsDir+"/"+n.Namespace(1)) {
		t.Fatal("the command is not in node 1's namespace")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("after SIGKILL: %v", err)
	}
}

// waitComm waits until pid's command name is want, or returns the last
// seen after a while.
func waitComm(t *testing.T, pid int, want string) string {
	t.Helper()
	var comm string
	for deadline := time.Now().Add(reachTimeout); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
		if err != nil {
			t.Fatal(err)
		}
		if comm = strings.TrimSpace(string(b)); comm == want {
			break
		}
	}
	return comm
}

// nsInode returns the inode of a namespace file.
func nsInode(t *testing.T, path string) uint64 {
	t.Helper()
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

package netns

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// killWait bounds how long killAll waits for killed processes to die.
const killWait = 5 * time.Second

// killAll SIGKILLs every process in namespace ns except this one (whose
// thread may be visiting the namespace to open a socket), and waits until
// they are dead: gone, or zombies waiting for their parent.
func killAll(ns string) error {
	out, err := run("", "ip", "netns", "pids", ns)
	if err != nil {
		return err
	}
	var pids []int
	for _, f := range strings.Fields(out) {
		pid, err := strconv.Atoi(f)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("netns: killing pid %d in %s: %w", pid, ns, err)
		}
		pids = append(pids, pid)
	}
	return waitDead(ns, pids)
}

// waitDead polls until every pid is gone or a zombie.
func waitDead(ns string, pids []int) error {
	deadline := time.Now().Add(killWait)
	for _, pid := range pids {
		for !dead(pid) {
			if time.Now().After(deadline) {
				return fmt.Errorf("netns: pid %d in %s still alive %v after SIGKILL", pid, ns, killWait)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// dead reports whether pid has exited: no /proc entry, or state Z.
func dead(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z' || s[i+2] == 'X'
}

package netns

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Capability bit numbers from linux/capability.h.
const (
	capNetAdmin = 12
	capSysAdmin = 21
)

// tools are the commands this package runs.
var tools = []string{"ip", "iptables", "iptables-restore"}

// CheckPrivileges returns an error saying what is missing when this process
// cannot build namespaces: it must run as root with CAP_NET_ADMIN and
// CAP_SYS_ADMIN (ip netns add mounts), and find ip, iptables and
// iptables-restore (Debian packages iproute2 and iptables) in PATH.
func CheckPrivileges() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("netns: must run as root (euid is %d): network namespaces and iptables need it", os.Geteuid())
	}
	caps, err := effectiveCaps()
	if err != nil {
		return fmt.Errorf("netns: reading capabilities: %w", err)
	}
	for _, c := range []struct {
		bit  uint
		name string
	}{{capNetAdmin, "CAP_NET_ADMIN"}, {capSysAdmin, "CAP_SYS_ADMIN"}} {
		if caps&(1<<c.bit) == 0 {
			return fmt.Errorf("netns: %s is missing from the effective capabilities (run privileged)", c.name)
		}
	}
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			return fmt.Errorf("netns: %s not found in PATH (install iproute2 and iptables): %w", t, err)
		}
	}
	return nil
}

// effectiveCaps reads CapEff from /proc/self/status.
func effectiveCaps() (uint64, error) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("no CapEff line in /proc/self/status")
}

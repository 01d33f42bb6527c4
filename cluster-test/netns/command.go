package netns

import "os/exec"

// Command returns a command that runs name inside node i's namespace, as
// `ip netns exec <ns> name args...`. ip execs the program (verified with
// iproute2 6.1: the child's pid runs name itself), so cmd.Process.Pid is
// the target and SIGKILL, SIGSTOP and SIGCONT sent to it reach it. ip also
// gives it a private mount namespace with /sys remounted for the network
// namespace; the file system is otherwise the host's. Teardown kills
// whatever is still running in the namespace; the caller still waits for
// the commands it started. It panics when i is out of range.
func (n *Net) Command(i int, name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Namespace(i), name}, args...)...)
}

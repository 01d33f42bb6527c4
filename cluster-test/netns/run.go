package netns

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// cmdTimeout bounds every ip and iptables command; they take milliseconds,
// so hitting it means something is wedged.
const cmdTimeout = 30 * time.Second

// CmdError is a failed ip or iptables command, with what it printed.
type CmdError struct {
	Args   []string // the command line
	Stderr string   // its standard error, trimmed
	Err    error    // how it ended
}

// Error names the command, how it ended and its stderr.
func (e *CmdError) Error() string {
	return fmt.Sprintf("netns: %s: %v: %s", strings.Join(e.Args, " "), e.Err, e.Stderr)
}

// Unwrap returns how the command ended.
func (e *CmdError) Unwrap() error { return e.Err }

// run runs a command with stdin (may be empty) and returns its stdout, or a
// *CmdError.
func run(stdin, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), &CmdError{Args: cmd.Args, Stderr: strings.TrimSpace(errb.String()), Err: err}
	}
	return out.String(), nil
}

// ipBatch runs ip's batch mode on a script, one command per line, inside
// namespace ns (the host's when ns is empty); it stops at the first error.
func ipBatch(ns, script string) error {
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	_, err := run(script, "ip", args...)
	return err
}

// iptables runs iptables inside namespace ns and returns its output. It
// waits for the xtables lock: the legacy backend shares one lock file
// across namespaces.
func iptables(ns string, args ...string) (string, error) {
	return run("", "ip", append([]string{"netns", "exec", ns, "iptables", "-w", "10"}, args...)...)
}

// iptablesRestore appends the rules of a restore script to namespace ns's
// tables in one atomic commit per table.
func iptablesRestore(ns, script string) error {
	_, err := run(script, "ip", "netns", "exec", ns, "iptables-restore", "-w", "10", "--noflush")
	return err
}

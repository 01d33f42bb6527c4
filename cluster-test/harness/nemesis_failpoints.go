package harness

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The failpoints cluster-test arms (raftstore/failpoint; drover must be
// built with -tags failpoints, as the harness builds it).
const (
	fpFsyncSlow      = "fsync-slow"
	fpSnapshot       = "snapshot-persist"
	fpRestore        = "snapshot-restore"
	fpFSMBefore      = "fsm-commit-before"
	fpFSMAfter       = "fsm-commit-after"
	fpLogAppendAfter = "raft-log-append-after"
	fpNATSPublish    = "nats-publish-before"
)

// Failpoint sets failpoint name on node i to action ("off" disarms).
func (n *Nemesis) Failpoint(ctx context.Context, i int, name, action string) error {
	key := fmt.Sprintf("fp-%d-%s", i, name)
	if action == "off" {
		n.close(key)
	} else {
		n.open(key, "failpoint", fmt.Sprintf("failpoint %s=%s on %s", name, action, n.c.ID(i)), i)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://"+n.c.HTTPAddr(i)+"/debug/failpoints/"+name,
		strings.NewReader(action))
	if err != nil {
		return err
	}
	res, err := n.c.httpClient().Do(req)
	if err != nil {
		return fmt.Errorf("failpoint %s on %s: %w", name, n.c.ID(i), err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("failpoint %s on %s: %s (is drover built with -tags failpoints?)", name, n.c.ID(i), res.Status)
	}
	return nil
}

// CrashAt arms an exit at failpoint name on node i, waits up to limit for
// the node to die there, and restarts it. It reports whether it crashed.
func (n *Nemesis) CrashAt(ctx context.Context, i int, name string, limit time.Duration) (bool, error) {
	if err := n.Failpoint(ctx, i, name, "exit"); err != nil {
		return false, err
	}
	return n.awaitCrash(ctx, i, name, limit)
}

// awaitCrash waits up to limit for node i to die at the armed failpoint
// name, then restarts it; if it did not die, the point is disarmed.
func (n *Nemesis) awaitCrash(ctx context.Context, i int, name string, limit time.Duration) (bool, error) {
	deadline := time.Now().Add(limit)
	for n.c.Running(i) && time.Now().Before(deadline) && ctx.Err() == nil {
		sleepCtx(ctx, 50*time.Millisecond)
	}
	n.close(fmt.Sprintf("fp-%d-%s", i, name))
	if n.c.Running(i) {
		return false, n.Failpoint(context.WithoutCancel(ctx), i, name, "off")
	}
	n.open(fmt.Sprintf("down-%d", i), "kill", fmt.Sprintf("%s crashed at %s", n.c.ID(i), name), i)
	wait(ctx, time.Second)
	return true, n.Restart(i)
}

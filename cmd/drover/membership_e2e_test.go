package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/client"
)

// cliAt runs the drover binary against the given nodes only.
func cliAt(t *testing.T, nodes []*procNode, args ...string) (string, bool) {
	t.Helper()
	var eps []string
	for _, n := range nodes {
		eps = append(eps, n.api)
	}
	out, err := exec.Command(droverBin, append(args, "--server", strings.Join(eps, ","))...).CombinedOutput()
	return string(out), err == nil
}

func mustCLIAt(t *testing.T, nodes []*procNode, args ...string) string {
	t.Helper()
	out, ok := cliAt(t, nodes, args...)
	if !ok {
		t.Fatalf("drover %s failed:\n%s", strings.Join(args, " "), out)
	}
	return out
}

// membersJSON lists the members through the given nodes.
func membersJSON(t *testing.T, nodes []*procNode) *membersView {
	t.Helper()
	v := &membersView{}
	out := mustCLIAt(t, nodes, "cluster", "members", "-o", "json")
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("members -o json: %v\n%s", err, out)
	}
	return v
}

// waitMembers polls until the members seen through nodes are exactly ids,
// all reachable, one of them the leader; it returns the leader's id.
func waitMembers(t *testing.T, nodes []*procNode, ids ...string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var v *membersView
	for time.Now().Before(deadline) {
		if v = membersJSON(t, nodes); membersAre(v, ids) {
			return v.Leader
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("members never became %v; last seen %+v", ids, v)
	return ""
}

func membersAre(v *membersView, ids []string) bool {
	if len(v.Members) != len(ids) {
		return false
	}
	leaders := 0
	for i, m := range v.Members {
		if m.ID != ids[i] || m.Suffrage != "Voter" || !m.Reachable {
			return false
		}
		if m.State == "leader" {
			leaders++
		}
	}
	return leaders == 1
}

func ids(nodes []*procNode) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.id)
	}
	return out
}

// sigterm stops a node the way an operator does and waits for it to exit.
func (c *procCluster) sigterm(n *procNode) {
	c.t.Helper()
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		c.t.Fatalf("%s did not stop within 30s of SIGTERM", n.id)
	}
}

// retryingWriter creates objects one after the other, each under a fresh
// name, retrying a create until it is acknowledged. A retry is sound:
//   - Unavailable: the node could not serve the call (client.Client already
//     fails over on it; it may also end a call whose connection broke);
//   - Unknown and DeadlineExceeded: the outcome is unknown;
//   - Internal "leadership transfer in progress": Raft refused the entry
//     before appending it (raftstore does not map that error yet).
//
// No one else writes these names, so AlreadyExists on a retry means an
// earlier attempt was applied: the write succeeded. Any other answer is a
// failed write.
type retryingWriter struct {
	mu      sync.Mutex
	acked   []string
	failed  []string
	retries map[codes.Code]int
	// slowest is the longest a write took, retries included.
	slowest time.Duration
}

func (w *retryingWriter) run(ctx context.Context, cl *client.Client, prefix string) {
	w.retries = map[codes.Code]int{}
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		start := time.Now()
		err := w.create(cl, name)
		w.mu.Lock()
		w.slowest = max(w.slowest, time.Since(start))
		if err == nil {
			w.acked = append(w.acked, name)
		} else {
			w.failed = append(w.failed, fmt.Sprintf("%s: %v", name, err))
		}
		w.mu.Unlock()
	}
}

// create writes one object, retrying for up to a minute regardless of the
// run's context, so that stopping the writer never fails a write.
func (w *retryingWriter) create(cl *client.Client, name string) error {
	deadline := time.Now().Add(time.Minute)
	for attempt := 0; ; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		_, err := cl.Create(ctx, configMap(name, "x"))
		cancel()
		code := status.Code(err)
		switch {
		case err == nil, code == codes.AlreadyExists && attempt > 0:
			return nil
		case !retryableOutcome(err) || time.Now().After(deadline):
			return err
		}
		w.mu.Lock()
		w.retries[code]++
		w.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
}

func retryableOutcome(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable, codes.Unknown, codes.DeadlineExceeded:
		return true
	case codes.Internal:
		return strings.Contains(err.Error(), "leadership transfer in progress")
	}
	return false
}

// ackedCount returns how many writes were acknowledged so far.
func (w *retryingWriter) ackedCount() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.acked)
}

// waitMoreAcked waits until the writer has acknowledged more writes than n.
func (w *retryingWriter) waitMoreAcked(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for w.ackedCount() <= n+5 {
		if time.Now().After(deadline) {
			t.Fatalf("writer stalled: %d acknowledged, waiting for more than %d", w.ackedCount(), n+5)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// check asserts that no write failed and that every acknowledged one is
// stored, read linearizably through cl.
func (w *retryingWriter) check(t *testing.T, cl *client.Client) {
	t.Helper()
	if len(w.failed) > 0 {
		t.Fatalf("%d writes failed, first: %s", len(w.failed), w.failed[0])
	}
	got := mustList(t, cl, false)
	for _, name := range w.acked {
		if _, ok := got[name]; !ok {
			t.Fatalf("acknowledged %s missing", name)
		}
	}
	t.Logf("%d writes acknowledged, none failed; retries by code: %v; slowest write %s",
		len(w.acked), w.retries, w.slowest.Round(time.Millisecond))
}

// startWriter runs a retrying writer against every node; stop ends it.
func startWriter(c *procCluster, prefix string) (w *retryingWriter, stop func()) {
	w = &retryingWriter{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	cl := c.client()
	go func() { defer close(done); w.run(ctx, cl, prefix) }()
	return w, func() { cancel(); <-done }
}

// `cluster members` lists three voters with one leader; a removed follower
// disappears from it and writes go on; unknown ids and the leader itself
// are refused.
func TestMembershipListAndRemoveFollower(t *testing.T) {
	c := startCluster(t, 3)
	leader := c.waitLeader(30 * time.Second)
	waitMembers(t, c.nodes, "n1", "n2", "n3")
	table := mustCLIAt(t, c.nodes, "cluster", "members")
	if strings.Count(table, "Voter") != 3 || strings.Count(table, " leader") != 1 || strings.Contains(table, "unreachable") {
		t.Fatalf("members table:\n%s", table)
	}
	if wide := mustCLIAt(t, c.nodes, "cluster", "members", "-o", "wide"); !strings.Contains(wide, "APPLIED INDEX") {
		t.Fatalf("members -o wide:\n%s", wide)
	}

	if out, ok := cliAt(t, c.nodes, "cluster", "remove", "nope"); ok || !strings.Contains(out, "not in the cluster") {
		t.Fatalf("remove of an unknown id: ok=%v\n%s", ok, out)
	}
	if out, ok := cliAt(t, c.nodes, "cluster", "remove", leader.id); ok || !strings.Contains(out, "cluster leave") {
		t.Fatalf("remove of the leader: ok=%v\n%s", ok, out)
	}

	gone := c.followers(leader)[0]
	out := mustCLIAt(t, c.nodes, "cluster", "remove", gone.id)
	if !strings.Contains(out, "removed") {
		t.Fatalf("remove: %s", out)
	}
	c.sigterm(gone)
	rest := c.running()
	waitMembers(t, rest, ids(rest)...)
	cl := c.client(rest...)
	for i := 0; i < 20; i++ {
		if _, err := cl.Create(ctxT(t, 30*time.Second), configMap(fmt.Sprintf("after-remove-%d", i), "x")); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(mustList(t, cl, false)); n != 20 {
		t.Fatalf("%d objects after the removal, want 20", n)
	}
}

// `cluster leave` on the leader under a writer: leadership moves to another
// voter, the old leader is removed, and no write fails.
func TestMembershipLeaderLeavesUnderLoad(t *testing.T) {
	c := startCluster(t, 3)
	leader := c.waitLeader(30 * time.Second)
	w, stop := startWriter(c, "leave")
	w.waitMoreAcked(t, 0)

	out := mustCLIAt(t, []*procNode{leader}, "cluster", "leave")
	if !strings.Contains(out, "left the cluster") || strings.Contains(out, "now "+leader.id+" ") {
		t.Fatalf("leave: %s", out)
	}
	t.Logf("leave: %s", strings.TrimSpace(out))
	w.waitMoreAcked(t, w.ackedCount())
	c.sigterm(leader)
	rest := c.running()
	newLeader := waitMembers(t, rest, ids(rest)...)
	if newLeader == leader.id || newLeader == "" {
		t.Fatalf("leader after leave: %q", newLeader)
	}
	w.waitMoreAcked(t, w.ackedCount())
	stop()
	w.check(t, c.client(rest...))
}

// SIGTERM on the leader under a writer: the leader hands leadership over
// before it stops, and no write fails.
func TestMembershipSIGTERMLeaderHandsOver(t *testing.T) {
	c := startCluster(t, 3)
	leader := c.waitLeader(30 * time.Second)
	w, stop := startWriter(c, "term")
	w.waitMoreAcked(t, 0)

	c.sigterm(leader)
	waitForLog(t, []*procNode{leader}, "handed leadership over before shutdown", 5*time.Second)
	newLeader := c.waitLeader(30 * time.Second)
	if newLeader == leader {
		t.Fatal("stopped leader still reported as leader")
	}
	w.waitMoreAcked(t, w.ackedCount())
	stop()
	w.check(t, c.client(c.running()...))
}

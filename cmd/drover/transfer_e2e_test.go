package main

import (
	"strings"
	"testing"
	"time"
)

// transferLeader runs `cluster transfer-leader` through via (a follower
// first, so that the request is forwarded) and returns its output.
func transferLeader(t *testing.T, via []*procNode, args ...string) (string, bool) {
	t.Helper()
	return cliAt(t, via, append([]string{"cluster", "transfer-leader"}, args...)...)
}

// othersFirst orders the running nodes with leader last, so that a CLI
// call reaches a follower first.
func othersFirst(c *procCluster, leader *procNode) []*procNode {
	return append(c.followers(leader), leader)
}

// `cluster transfer-leader` under a writer: a named follower leads
// afterwards, a transfer without an id moves leadership elsewhere, an
// unknown id, the leader itself and a voter that just died are refused
// with the leader unchanged, and every acknowledged write is stored with
// none failed.
func TestTransferLeadershipUnderLoad(t *testing.T) {
	c := startCluster(t, 3)
	leader := c.waitLeader(30 * time.Second)
	w, stop := startWriter(c, "transfer")
	w.waitMoreAcked(t, 0)

	// To a named follower, asked through the other follower.
	target := c.followers(leader)[1]
	began := time.Now()
	out, ok := transferLeader(t, othersFirst(c, leader), target.id)
	if !ok || !strings.Contains(out, "leadership moved from "+leader.id+" to "+target.id+" ") {
		t.Fatalf("transfer-leader %s: ok=%v\n%s", target.id, ok, out)
	}
	t.Logf("%s (%s)", strings.TrimSpace(out), time.Since(began).Round(time.Millisecond))
	if now := c.waitLeader(30 * time.Second); now != target {
		t.Fatalf("leader after the transfer is %s, want %s", now.id, target.id)
	}
	w.waitMoreAcked(t, w.ackedCount())

	// Without an id: someone else leads afterwards.
	leader = target
	out, ok = transferLeader(t, othersFirst(c, leader))
	if !ok || !strings.Contains(out, "leadership moved from "+leader.id+" to ") {
		t.Fatalf("transfer-leader without an id: ok=%v\n%s", ok, out)
	}
	t.Logf("%s", strings.TrimSpace(out))
	if now := c.waitLeader(30 * time.Second); now == leader || !strings.Contains(out, " to "+now.id+" ") {
		t.Fatalf("leader after a transfer without an id is %s (before: %s)\n%s", now.id, leader.id, out)
	}
	leader = c.waitLeader(30 * time.Second)
	w.waitMoreAcked(t, w.ackedCount())

	// Refused: an unknown id, the leader itself. Leadership stays.
	for _, bad := range []struct{ id, want string }{
		{"nope", `member "nope" is not in the cluster`},
		{leader.id, "already leads"},
	} {
		out, ok = transferLeader(t, othersFirst(c, leader), bad.id)
		if ok || !strings.Contains(out, bad.want) {
			t.Fatalf("transfer-leader %s: ok=%v, want an error with %q\n%s", bad.id, ok, bad.want, out)
		}
		t.Logf("transfer-leader %s: %s", bad.id, strings.TrimSpace(out))
	}
	if now := c.waitLeader(30 * time.Second); now != leader {
		t.Fatalf("a refused transfer moved leadership from %s to %s", leader.id, now.id)
	}

	w.waitMoreAcked(t, w.ackedCount())

	// To a voter that just died, before gossip notices: Raft cannot hand
	// over, the leader gives up after a few attempts and stays.
	dead := c.followers(leader)[0]
	c.kill(dead)
	began = time.Now()
	out, ok = transferLeader(t, othersFirst(c, leader), dead.id)
	if ok || !strings.Contains(out, "did not take over") {
		t.Fatalf("transfer-leader to killed %s: ok=%v\n%s", dead.id, ok, out)
	}
	t.Logf("transfer-leader %s (killed): %s (%s)", dead.id, strings.TrimSpace(out), time.Since(began).Round(time.Millisecond))
	if now := c.waitLeader(30 * time.Second); now != leader {
		t.Fatalf("a failed transfer moved leadership from %s to %s", leader.id, now.id)
	}
	w.waitMoreAcked(t, w.ackedCount())
	stop()
	w.check(t, c.client(c.running()...))
}

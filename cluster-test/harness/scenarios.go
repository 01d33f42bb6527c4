package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/drover/drover/cluster-test/netns"
)

// Scenario is one of CHAOS.md's standard fault scenarios.
type Scenario struct {
	Num  int
	Name string
	// Nodes is the cluster size the scenario is written for (0: any).
	Nodes int
	// Run injects the faults while traffic runs, until ctx ends. The
	// harness heals and restarts everything afterwards.
	Run func(ctx context.Context, n *Nemesis) error
	// NodeArgs are extra `drover node` flags the scenario needs.
	NodeArgs []string
	// NATS runs external NATS subscribers on every node, one of them
	// deliberately slow.
	NATS bool
	// Delay puts a delaying proxy on the Raft port between nodes (set at
	// network setup, before the nodes start).
	Delay bool
	// DiskMiB > 0 gives every node a tmpfs data dir of that size, which
	// disk-full faults fill.
	DiskMiB int
	// Spare is how many more nodes than the cluster size it needs room
	// for (nodes it adds while running).
	Spare int
}

// Implemented reports whether the scenario can run yet.
func (s Scenario) Implemented() bool { return s.Run != nil }

// Scenarios lists CHAOS.md's standard scenarios in its order; those without
// Run are not implemented yet.
func Scenarios() []Scenario {
	return []Scenario{
		{Num: 1, Name: "baseline, no faults", Run: baseline},
		{Num: 2, Name: "kill a random node, restart after 2 s, five times", Run: killRandom},
		{Num: 3, Name: "kill the leader every 10 s, restart 3 s later", Nodes: 5, Run: killLeaderEvery},
		{Num: 4, Name: "kill all nodes within 50 ms, restart after 5 s; twice", Run: killAll},
		{Num: 5, Name: "isolate the leader for 10 s while clients pinned to it keep sending", Run: isolateLeader},
		{Num: 6, Name: "random 2/3 splits every 5 s, ten cycles", Nodes: 5, Run: randomSplits},
		{Num: 7, Name: "isolate a follower for 1 s, then for 30 s", Run: isolateFollower},
		{Num: 8, Name: "bridge: {A,B} cut from {D,E}, C sees all, 20 s", Nodes: 5, Run: bridge},
		{Num: 9, Name: "one-way loss: leader sends but does not receive; then a follower the reverse", Run: oneWay},
		{Num: 10, Name: "degraded links: loss bursts, sustained loss on one node, Raft delay through a proxy", Run: lossyLinks, Delay: true},
		{Num: 11, Name: "pauses: SIGSTOP a follower 5 s and 30 s; the leader for half the election timeout", Run: pauses},
		{Num: 12, Name: "slow fsync on the leader (failpoint) for 10 s", Run: slowFsync},
		{Num: 13, Name: "grow and shrink voters under load: 3 → 5 → 3", Nodes: 3, Spare: 2, Run: growShrink,
			NodeArgs: []string{"--promote-after", "1s"}},
		{Num: 14, Name: "remove the leader; remove a partitioned node, then heal", Nodes: 5, Run: removeMembers},
		{Num: 15, Name: "replace a member with a wiped data dir under load", Run: replaceMember},
		{Num: 16, Name: "leadership transfer every 5 s under load", Run: transferEvery},
		{Num: 17, Name: "a lagging follower installs a snapshot while watchers are attached to it (crashing once inside the restore)", Run: snapshotInstall,
			NodeArgs: []string{"--snapshot-threshold", "200", "--trailing-logs", "100", "--snapshot-interval", "1s",
				"--raft-segment-bytes", "65536"}}, // small segments, so that compaction really drops entries
		{Num: 18, Name: "crash during snapshot persist, and before/after the FSM commit and the log append; snapshots every ~100 entries",
			Run: crashPoints, NodeArgs: []string{"--snapshot-threshold", "100", "--trailing-logs", "50", "--snapshot-interval", "1s"}},
		{Num: 19, Name: "history window: frequent compaction, watches below and above it", Run: historyWindow,
			NodeArgs: []string{"--history-max-events", "300", "--compact-interval", "200ms"}},
		{Num: 20, Name: "NATS slow consumers and disconnected subscribers", Run: natsClients, NATS: true},
		{Num: 21, Name: "NATS-only faults while Raft is healthy (NATS port cut between nodes; publishes lost by failpoint)", Run: natsOnly, NATS: true},
		{Num: 22, Name: "informer semantics across leader changes (kill and transfer, alternately)", Run: leaderChanges},
		{Num: 23, Name: "gossip: kill one member; pause one 2 s (never dead)", Run: gossipKillPause},
		{Num: 24, Name: "gossip-only and Raft-only port partitions", Run: portPartitions},
		{Num: 25, Name: "storage: disk full on a follower then the leader; torn state after power loss, flipped bits in the state and the log, truncated log",
			Run: storageFaults, DiskMiB: 96, NodeArgs: []string{"--raft-segment-bytes", "1048576"}},
		{Num: 26, Name: "quorum loss: all but the leader destroyed; the documented recovery on it; two fresh nodes join", Run: quorumLoss},
		{Num: 27, Name: "rolling restart of every node, under load", Run: rollingRestart},
	}
}

// ScenarioByNum finds a scenario.
func ScenarioByNum(num int) (Scenario, error) {
	for _, s := range Scenarios() {
		if s.Num == num {
			if !s.Implemented() {
				return s, fmt.Errorf("scenario %d (%s) is not implemented yet", num, s.Name)
			}
			return s, nil
		}
	}
	return Scenario{}, fmt.Errorf("no scenario %d (see `cluster-test scenarios`)", num)
}

// wait sleeps d or until ctx ends (false).
func wait(ctx context.Context, d time.Duration) bool { return sleepCtx(ctx, d) }

func baseline(ctx context.Context, _ *Nemesis) error {
	<-ctx.Done()
	return nil
}

func killRandom(ctx context.Context, n *Nemesis) error {
	for range 5 {
		if !wait(ctx, 4*time.Second) {
			return nil
		}
		i := n.Random()
		if err := n.Kill(i); err != nil {
			return err
		}
		wait(ctx, 2*time.Second)
		if err := n.Restart(i); err != nil {
			return err
		}
	}
	return nil
}

func killLeaderEvery(ctx context.Context, n *Nemesis) error {
	for wait(ctx, 7*time.Second) {
		l := n.Leader(ctx)
		if l == 0 {
			continue
		}
		if err := n.Kill(l); err != nil {
			return err
		}
		wait(ctx, 3*time.Second)
		if err := n.Restart(l); err != nil {
			return err
		}
	}
	return nil
}

func killAll(ctx context.Context, n *Nemesis) error {
	for range 2 {
		if !wait(ctx, 5*time.Second) {
			return nil
		}
		for _, i := range n.c.Members() {
			if err := n.Kill(i); err != nil {
				return err
			}
		}
		wait(ctx, 5*time.Second)
		for _, i := range n.c.Members() {
			if err := n.Restart(i); err != nil {
				return err
			}
		}
	}
	return nil
}

func isolateLeader(ctx context.Context, n *Nemesis) error {
	for wait(ctx, 5*time.Second) {
		l := n.Leader(ctx)
		if l == 0 {
			continue
		}
		if err := n.Isolate(scopeAll, l); err != nil {
			return err
		}
		wait(ctx, 10*time.Second)
		if err := n.Heal(); err != nil {
			return err
		}
	}
	return nil
}

func randomSplits(ctx context.Context, n *Nemesis) error {
	for range 10 {
		members := n.c.Members()
		cut := len(members) / 2
		var minority, majority []int
		for k, p := range n.rng.Perm(len(members)) {
			if k < cut {
				minority = append(minority, members[p])
			} else {
				majority = append(majority, members[p])
			}
		}
		if err := n.Partition(scopeAll, minority, majority); err != nil {
			return err
		}
		ok := wait(ctx, 5*time.Second)
		if err := n.Heal(); err != nil || !ok {
			return err
		}
		if !wait(ctx, time.Second) {
			return nil
		}
	}
	return nil
}

func isolateFollower(ctx context.Context, n *Nemesis) error {
	for _, d := range []time.Duration{time.Second, 30 * time.Second} {
		if !wait(ctx, 3*time.Second) {
			return nil
		}
		if err := n.Isolate(scopeAll, n.Follower(ctx)); err != nil {
			return err
		}
		wait(ctx, d)
		if err := n.Heal(); err != nil {
			return err
		}
	}
	return nil
}

func bridge(ctx context.Context, n *Nemesis) error {
	if !wait(ctx, 3*time.Second) {
		return nil
	}
	p := n.rng.Perm(5)
	if err := n.Partition(scopeAll, []int{p[0] + 1, p[1] + 1}, []int{p[3] + 1, p[4] + 1}); err != nil {
		return err
	}
	wait(ctx, 20*time.Second)
	return n.Heal()
}

func oneWay(ctx context.Context, n *Nemesis) error {
	if !wait(ctx, 3*time.Second) {
		return nil
	}
	l := n.Leader(ctx)
	for _, i := range n.c.Members() {
		if i != l {
			if err := n.OneWay(i, l); err != nil { // the leader hears nobody
				return err
			}
		}
	}
	wait(ctx, 10*time.Second)
	if err := n.Heal(); err != nil || !wait(ctx, 5*time.Second) {
		return err
	}
	f := n.Follower(ctx)
	for _, i := range n.c.Members() {
		if i != f {
			if err := n.OneWay(f, i); err != nil { // the follower cannot send
				return err
			}
		}
	}
	wait(ctx, 10*time.Second)
	return n.Heal()
}

func lossyLinks(ctx context.Context, n *Nemesis) error {
	for range 5 { // bursts
		if !wait(ctx, 2*time.Second) {
			return nil
		}
		if err := n.Loss(n.Random(), 0.5); err != nil {
			return err
		}
		wait(ctx, time.Second)
		if err := n.Heal(); err != nil {
			return err
		}
	}
	if err := n.Loss(n.Random(), 0.1); err != nil { // sustained
		return err
	}
	wait(ctx, 15*time.Second)
	if err := n.Heal(); err != nil || !wait(ctx, 2*time.Second) {
		return err
	}
	for _, d := range []time.Duration{100 * time.Millisecond, 400 * time.Millisecond} {
		if err := n.Delay(n.Random(), d); err != nil {
			return err
		}
		wait(ctx, 8*time.Second)
		if err := n.Heal(); err != nil || !wait(ctx, 2*time.Second) {
			return err
		}
	}
	return nil
}

func pauses(ctx context.Context, n *Nemesis) error {
	for _, d := range []time.Duration{5 * time.Second, 30 * time.Second} {
		if !wait(ctx, 3*time.Second) {
			return nil
		}
		f := n.Follower(ctx)
		if err := n.Pause(f); err != nil {
			return err
		}
		wait(ctx, d)
		if err := n.Resume(f); err != nil {
			return err
		}
	}
	if !wait(ctx, 3*time.Second) {
		return nil
	}
	l := n.Leader(ctx)
	if err := n.Pause(l); err != nil {
		return err
	}
	time.Sleep(500 * time.Millisecond) // half the 1 s election timeout
	return n.Resume(l)
}

func historyWindow(ctx context.Context, _ *Nemesis) error {
	<-ctx.Done() // the node flags shrink the window; watchers probe below it
	return nil
}

func natsOnly(ctx context.Context, n *Nemesis) error {
	for k := 0; wait(ctx, 4*time.Second); k++ {
		i := n.Random()
		if k%2 == 1 { // lose a share of the node's NATS publishes
			if err := n.Failpoint(ctx, i, fpNATSPublish, "20%error"); err != nil {
				return err
			}
			wait(ctx, 3*time.Second)
			if err := n.Failpoint(context.WithoutCancel(ctx), i, fpNATSPublish, "off"); err != nil {
				return err
			}
			continue
		}
		if err := n.Isolate(scopeNATS, i); err != nil {
			return err
		}
		wait(ctx, 3*time.Second)
		if err := n.Heal(); err != nil {
			return err
		}
	}
	return nil
}

func gossipKillPause(ctx context.Context, n *Nemesis) error {
	if !wait(ctx, 3*time.Second) {
		return nil
	}
	f := n.Follower(ctx)
	if err := n.Pause(f); err != nil {
		return err
	}
	wait(ctx, 2*time.Second)
	if err := n.Resume(f); err != nil {
		return err
	}
	if !wait(ctx, 3*time.Second) {
		return nil
	}
	f = n.Follower(ctx)
	if err := n.Kill(f); err != nil {
		return err
	}
	wait(ctx, 15*time.Second)
	return n.Restart(f)
}

func portPartitions(ctx context.Context, n *Nemesis) error {
	for _, scope := range []netns.Scope{scopeGossip, scopeRaft} {
		if !wait(ctx, 3*time.Second) {
			return nil
		}
		if err := n.Isolate(scope, n.Follower(ctx)); err != nil {
			return err
		}
		wait(ctx, 10*time.Second)
		if err := n.Heal(); err != nil {
			return err
		}
	}
	return nil
}

func rollingRestart(ctx context.Context, n *Nemesis) error {
	for _, i := range n.c.Members() {
		if !wait(ctx, 3*time.Second) {
			return nil
		}
		if err := n.Stop(i); err != nil {
			return err
		}
		wait(ctx, time.Second)
		if err := n.Restart(i); err != nil {
			return err
		}
	}
	return nil
}

func growShrink(ctx context.Context, n *Nemesis) error {
	members := n.c.Members()
	var added []int
	for i := len(members) + 1; i <= n.c.Size(); i++ {
		if !wait(ctx, 3*time.Second) {
			return nil
		}
		if err := n.AddMember(ctx, i); err != nil {
			return err
		}
		added = append(added, i)
	}
	for k := len(added) - 1; k >= 0; k-- {
		if !wait(ctx, 5*time.Second) {
			return nil
		}
		if err := n.RemoveMember(ctx, added[k]); err != nil {
			return err
		}
	}
	return nil
}

func removeMembers(ctx context.Context, n *Nemesis) error {
	if !wait(ctx, 5*time.Second) {
		return nil
	}
	if err := n.RemoveMember(ctx, n.Leader(ctx)); err != nil {
		return err
	}
	if !wait(ctx, 5*time.Second) {
		return nil
	}
	f := n.Follower(ctx)
	if err := n.Isolate(scopeAll, f); err != nil {
		return err
	}
	wait(ctx, 2*time.Second)
	n.open(fmt.Sprintf("member-%d", f), "member", fmt.Sprintf("remove %s while it is cut off", n.c.ID(f)), f)
	cctx, cancel := context.WithTimeout(ctx, memberCallTimeout)
	err := n.removeFrom(cctx, f)
	cancel()
	n.close(fmt.Sprintf("member-%d", f))
	if err != nil {
		return fmt.Errorf("remove %s: %w", n.c.ID(f), err)
	}
	n.c.SetMember(f, false)
	wait(ctx, 3*time.Second)
	if err := n.Heal(); err != nil { // the removed node must not disrupt
		return err
	}
	wait(ctx, 10*time.Second)
	return n.c.Terminate(f)
}

func replaceMember(ctx context.Context, n *Nemesis) error {
	for wait(ctx, 8*time.Second) {
		if err := n.Replace(n.Follower(ctx)); err != nil {
			return err
		}
	}
	return nil
}

func snapshotInstall(ctx context.Context, n *Nemesis) error {
	if !wait(ctx, 3*time.Second) {
		return nil
	}
	f := n.Follower(ctx)
	if err := n.Isolate(scopeAll, f); err != nil {
		return err
	}
	wait(ctx, 15*time.Second) // the others snapshot and truncate meanwhile
	// The follower crashes inside its first snapshot restore, restarts,
	// and installs the snapshot again.
	if err := n.Failpoint(ctx, f, fpRestore, "1*exit"); err != nil {
		return err
	}
	if err := n.Heal(); err != nil {
		return err
	}
	_, err := n.awaitCrash(ctx, f, fpRestore, 15*time.Second)
	return err
}

func transferEvery(ctx context.Context, n *Nemesis) error {
	for wait(ctx, 5*time.Second) {
		if err := n.TransferLeader(ctx, n.Follower(ctx)); err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}

func leaderChanges(ctx context.Context, n *Nemesis) error {
	for k := 0; wait(ctx, 5*time.Second); k++ {
		if k%2 == 1 {
			if err := n.TransferLeader(ctx, n.Follower(ctx)); err != nil && ctx.Err() == nil {
				return err
			}
			continue
		}
		l := n.Leader(ctx)
		if err := n.Kill(l); err != nil {
			return err
		}
		wait(ctx, 2*time.Second)
		if err := n.Restart(l); err != nil {
			return err
		}
	}
	return nil
}

func natsClients(ctx context.Context, n *Nemesis) error {
	for k := 0; wait(ctx, 4*time.Second); k++ {
		i := n.Random()
		if k == 3 {
			if err := n.Kill(i); err != nil {
				return err
			}
			wait(ctx, 2*time.Second)
			if err := n.Restart(i); err != nil {
				return err
			}
			continue
		}
		if err := n.CutNATSClients(i); err != nil {
			return err
		}
		wait(ctx, 3*time.Second)
		if err := n.Heal(); err != nil {
			return err
		}
	}
	return nil
}

func slowFsync(ctx context.Context, n *Nemesis) error {
	for wait(ctx, 5*time.Second) {
		l := n.Leader(ctx)
		if err := n.Failpoint(ctx, l, fpFsyncSlow, "sleep(100ms)"); err != nil {
			return err
		}
		wait(ctx, 10*time.Second)
		if err := n.Failpoint(context.WithoutCancel(ctx), l, fpFsyncSlow, "off"); err != nil && n.c.Running(l) {
			return err
		}
	}
	return nil
}

func crashPoints(ctx context.Context, n *Nemesis) error {
	points := []string{fpSnapshot, fpFSMBefore, fpFSMAfter, fpLogAppendAfter}
	for k := 0; wait(ctx, 3*time.Second); k++ {
		i := n.Random()
		if k%3 == 2 {
			i = n.Leader(ctx)
		}
		if _, err := n.CrashAt(ctx, i, points[k%len(points)], 10*time.Second); err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}

func storageFaults(ctx context.Context, n *Nemesis) error {
	for _, leader := range []bool{false, true} {
		if !wait(ctx, 2*time.Second) {
			return nil
		}
		i := n.Follower(ctx)
		if leader {
			i = n.Leader(ctx)
		}
		if err := n.DiskFull(ctx, i, 5*time.Second); err != nil {
			return err
		}
	}
	for _, c := range []corruption{powerLoss, flipStateBit, truncateWAL, flipWALBit, flipStateBit} {
		if !wait(ctx, 2*time.Second) {
			return nil
		}
		if err := n.Damage(ctx, n.Follower(ctx), c); err != nil {
			return err
		}
	}
	return nil
}

func quorumLoss(ctx context.Context, n *Nemesis) error {
	if !wait(ctx, 5*time.Second) {
		return nil
	}
	return n.QuorumLoss(ctx)
}

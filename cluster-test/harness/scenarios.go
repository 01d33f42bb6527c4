package harness

import (
	"context"
	"fmt"
	"time"
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

// Scenarios lists CHAOS.md's standard scenarios in its order.
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
			NodeArgs: []string{"--snapshot-threshold", "200", "--snapshot-log-ratio", "0", "--trailing-logs", "100", "--snapshot-interval", "1s",
				"--raft-segment-bytes", "65536"}}, // small segments, so that compaction really drops entries
		{Num: 18, Name: "crash during snapshot persist, and before/after the FSM commit and the log append; snapshots every ~100 entries",
			Run: crashPoints, NodeArgs: []string{"--snapshot-threshold", "100", "--snapshot-log-ratio", "0", "--trailing-logs", "50", "--snapshot-interval", "1s"}},
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

func historyWindow(ctx context.Context, _ *Nemesis) error {
	<-ctx.Done() // the node flags shrink the window; watchers probe below it
	return nil
}

package harness

// Scenario schedules that act on the network: partitions, loss, delay,
// NATS-only faults.

import (
	"context"
	"time"

	"github.com/drover/drover/cluster-test/netns"
)

func isolateLeader(ctx context.Context, n *Nemesis) error {
	for wait(ctx, 5*time.Second) {
		l := n.Leader(ctx)
		if l == 0 {
			continue
		}
		if err := n.IsolateFor(ctx, scopeAll, l, 10*time.Second); err != nil {
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
		if err := n.IsolateFor(ctx, scopeAll, n.Follower(ctx), d); err != nil {
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
		if err := n.IsolateFor(ctx, scopeNATS, i, 3*time.Second); err != nil {
			return err
		}
	}
	return nil
}

func natsClients(ctx context.Context, n *Nemesis) error {
	for k := 0; wait(ctx, 4*time.Second); k++ {
		i := n.Random()
		if k == 3 {
			if err := n.Bounce(ctx, i, 2*time.Second); err != nil {
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

func portPartitions(ctx context.Context, n *Nemesis) error {
	for _, scope := range []netns.Scope{scopeGossip, scopeRaft} {
		if !wait(ctx, 3*time.Second) {
			return nil
		}
		if err := n.IsolateFor(ctx, scope, n.Follower(ctx), 10*time.Second); err != nil {
			return err
		}
	}
	return nil
}

package harness

// Scenario schedules that change the membership or the leader.

import (
	"context"
	"fmt"
	"time"
)

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
		if err := n.Bounce(ctx, l, 2*time.Second); err != nil {
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

package harness

// Scenario schedules that act on processes and their storage: kills,
// pauses, restarts, failpoints, damaged data dirs.

import (
	"context"
	"time"
)

func killRandom(ctx context.Context, n *Nemesis) error {
	for range 5 {
		if !wait(ctx, 4*time.Second) {
			return nil
		}
		i := n.Random()
		if err := n.Bounce(ctx, i, 2*time.Second); err != nil {
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
		if err := n.Bounce(ctx, l, 3*time.Second); err != nil {
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
	return n.Bounce(ctx, n.Follower(ctx), 15*time.Second)
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

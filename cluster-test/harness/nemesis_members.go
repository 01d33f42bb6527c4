package harness

import (
	"context"
	"fmt"
	"time"

	pb "github.com/drover/drover/proto/droverpb"
)

// memberCallTimeout bounds one membership call.
const memberCallTimeout = 20 * time.Second

// AddMember starts node i, which joins through gossip; the leader's
// autopilot adds it as a non-voter and promotes it once it has caught up.
// AddMember waits until it votes (or 60 s).
func (n *Nemesis) AddMember(ctx context.Context, i int) error {
	n.open(fmt.Sprintf("member-%d", i), "member", fmt.Sprintf("add %s", n.c.ID(i)), i)
	defer n.close(fmt.Sprintf("member-%d", i))
	n.c.SetMember(i, true)
	if err := n.c.Start(i); err != nil {
		return err
	}
	return n.waitSuffrage(ctx, i, "Voter", 60*time.Second)
}

// RemoveMember takes node i out of the cluster and stops it: a follower
// is removed by the leader; the leader leaves, handing leadership over.
func (n *Nemesis) RemoveMember(ctx context.Context, i int) error {
	n.open(fmt.Sprintf("member-%d", i), "member", fmt.Sprintf("remove %s", n.c.ID(i)), i)
	defer n.close(fmt.Sprintf("member-%d", i))
	ctx, cancel := context.WithTimeout(ctx, memberCallTimeout)
	defer cancel()
	var err error
	if i == n.smp.leader() {
		err = n.leave(ctx, i)
	} else {
		err = n.removeFrom(ctx, i)
	}
	if err != nil {
		return fmt.Errorf("remove %s: %w", n.c.ID(i), err)
	}
	n.c.SetMember(i, false)
	return n.c.Terminate(i)
}

// leave asks node i itself to leave.
func (n *Nemesis) leave(ctx context.Context, i int) error {
	cl, err := n.c.Client(i)
	if err != nil {
		return err
	}
	defer cl.Close()
	_, err = cl.Leave(ctx)
	return err
}

// removeFrom asks the other members to remove node i.
func (n *Nemesis) removeFrom(ctx context.Context, i int) error {
	var others []int
	for _, j := range n.c.Members() {
		if j != i {
			others = append(others, j)
		}
	}
	cl, err := n.c.Client(others...)
	if err != nil {
		return err
	}
	defer cl.Close()
	_, err = cl.RemoveMember(ctx, n.c.ID(i))
	return err
}

// Replace kills node i, wipes its data dir and starts it again under the
// same id and flags: a member replaced by a blank machine.
func (n *Nemesis) Replace(i int) error {
	n.open(fmt.Sprintf("down-%d", i), "kill", fmt.Sprintf("replace %s with a wiped data dir", n.c.ID(i)), i)
	if err := n.c.Kill(i); err != nil {
		return err
	}
	if err := n.c.Wipe(i); err != nil {
		return err
	}
	return n.Restart(i)
}

// waitSuffrage waits until the leader lists node i with the suffrage.
func (n *Nemesis) waitSuffrage(ctx context.Context, i int, suffrage string, limit time.Duration) error {
	cl, err := n.c.Client(n.c.Members()...)
	if err != nil {
		return err
	}
	defer cl.Close()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		st, err := cl.Status(cctx)
		cancel()
		if err == nil && memberSuffrage(st, n.c.ID(i)) == suffrage {
			n.log("nemesis: %s is a %s", n.c.ID(i), suffrage)
			return nil
		}
		sleepCtx(ctx, 250*time.Millisecond)
	}
	return fmt.Errorf("%s did not become a %s within %s", n.c.ID(i), suffrage, limit)
}

func memberSuffrage(st *pb.StatusResponse, id string) string {
	for _, m := range st.GetMembers() {
		if m.GetId() == id {
			return m.GetSuffrage()
		}
	}
	return ""
}

// TransferLeader hands leadership from the current leader to node to.
func (n *Nemesis) TransferLeader(ctx context.Context, to int) error {
	n.open("transfer", "transfer", fmt.Sprintf("transfer leadership to %s", n.c.ID(to)), to)
	defer n.close("transfer")
	cl, err := n.c.Client(n.c.Members()...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, memberCallTimeout)
	defer cancel()
	st, err := cl.TransferLeadership(ctx, n.c.ID(to))
	if err != nil {
		return fmt.Errorf("transfer to %s: %w", n.c.ID(to), err)
	}
	n.log("nemesis: %s leads (was %s)", st.GetLeaderId(), st.GetId())
	return nil
}

// QuorumLoss destroys every member but the leader (killed, data dirs
// wiped), then follows README's "Recovering from quorum loss": stop the
// survivor, `drover recover` it into a one-member cluster, start it, and
// add the destroyed members back as fresh nodes that join through gossip.
// The leader holds every acknowledged write, so none may be lost.
func (n *Nemesis) QuorumLoss(ctx context.Context) error {
	survivor := n.Leader(ctx)
	if survivor == 0 {
		return fmt.Errorf("quorum loss: no leader to keep")
	}
	var lost []int
	for _, i := range n.c.Members() {
		if i != survivor {
			lost = append(lost, i)
		}
	}
	n.open("quorum", "kill", fmt.Sprintf("quorum loss: destroy %v, keep %s", lost, n.c.ID(survivor)), lost...)
	for _, i := range lost {
		if err := n.c.Kill(i); err != nil {
			return err
		}
		if err := n.c.Wipe(i); err != nil {
			return err
		}
		n.c.SetMember(i, false)
		n.c.JoinOnly(i)
	}
	if err := n.c.Kill(survivor); err != nil {
		return err
	}
	out, err := n.c.RunTool(survivor, "recover", "--data-dir", n.c.DataDir(survivor), "--id", n.c.ID(survivor),
		"--raft-addr", n.c.RaftAddr(survivor))
	if err != nil {
		return fmt.Errorf("drover recover on %s: %v: %s", n.c.ID(survivor), err, out)
	}
	n.log("nemesis: %s recovered as a one-member cluster", n.c.ID(survivor))
	n.c.JoinOnly(survivor)
	if err := n.c.Start(survivor); err != nil {
		return err
	}
	n.close("quorum")
	for _, i := range lost {
		if err := n.AddMember(ctx, i); err != nil {
			return err
		}
	}
	return nil
}

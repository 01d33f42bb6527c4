package node

import (
	"context"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/raft"
)

const (
	// gossipTick is how often a node retries its --join peers and
	// refreshes what it advertises.
	gossipTick = time.Second
	// reconnectInterval is how often a node tries peers gossip has
	// declared dead: after a partition heals, memberlist alone would not
	// probe them again, and the two sides would stay apart.
	reconnectInterval = 10 * time.Second
	// gossipLeaveTimeout bounds the goodbye broadcast on shutdown.
	gossipLeaveTimeout = time.Second
)

// gossipLoop joins the --join peers (retrying until one answers) and keeps
// this node's metadata true: Member once it is in a Raft configuration,
// Fresh cleared once a leader has made it a non-voter or once it has caught
// up with the leader. Every node of a new static cluster starts with an
// empty log, hence Fresh; if Fresh stayed set, the autopilot would demote
// any of them that fell behind later (partitioned, say), and a partition
// could then leave the majority side without a quorum of voters
// (cluster-test scenario 6 found this). A node removed from
// the configuration leaves gossip, so that no leader adds it back.
func (n *Node) gossipLoop(ctx context.Context) {
	joined := len(n.cfg.Join) == 0
	wasMember, failedJoins := false, 0
	tick := time.NewTicker(gossipTick)
	defer tick.Stop()
	for {
		if !joined {
			if err := n.gossip.join(n.cfg.Join); err != nil {
				if failedJoins++; failedJoins == 1 || failedJoins%30 == 0 {
					n.logger.Warn("cannot join gossip peers yet; retrying", "join", n.cfg.Join, "err", err)
				}
			} else {
				joined = true
				n.logger.Info("joined gossip", "via", n.cfg.Join)
			}
		}
		suffrage, in := n.selfSuffrage()
		switch {
		case in:
			wasMember = true
			caughtUp := n.gossip.ownMeta().Fresh && n.caughtUpWithLeader(ctx)
			n.gossip.setMeta(func(m *gossipMeta) {
				m.Member, m.Forming = true, false
				m.Fresh = m.Fresh && suffrage != raft.Nonvoter && !caughtUp
			})
		case wasMember:
			n.logger.Warn("this node was removed from the cluster; leaving gossip")
			n.gossip.leave(gossipLeaveTimeout)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// reconnectLoop rejoins peers gossip has declared dead (not those that
// left), so that both sides of a healed partition see each other again.
func (n *Node) reconnectLoop(ctx context.Context) {
	for sleepCtx(ctx, reconnectInterval) {
		for _, p := range n.gossip.servers() {
			if p.State != memberlist.StateDead || p.ID == n.cfg.ID || ctx.Err() != nil {
				continue
			}
			if err := n.gossip.join([]string{p.Addr}); err == nil {
				n.logger.Info("reconnected to a peer gossip had declared dead", "peer", p.ID)
			}
		}
	}
}

// caughtUpWithLeader reports whether this node has applied what the leader
// has committed, within the autopilot's MaxLag: a node that started with
// an empty log then holds the entries its vote vouches for.
func (n *Node) caughtUpWithLeader(ctx context.Context) bool {
	id, _ := n.store.Leader()
	switch id {
	case "":
		return false
	case n.cfg.ID:
		return true
	}
	members, err := n.fsm.Members()
	if err != nil || members[id] == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	st, err := n.api.PeerStatus(ctx, members[id])
	if err != nil || st.GetCommitIndex() == 0 {
		return false
	}
	return n.fsm.AppliedIndex()+n.cfg.Autopilot.MaxLag >= st.GetCommitIndex()
}

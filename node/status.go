package node

import (
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/raft"

	pb "github.com/drover/drover/proto/droverpb"
)

// status reports this node's Raft view for the Cluster service.
func (n *Node) status() *pb.StatusResponse {
	r := n.store.Raft()
	leaderID, _ := n.store.Leader()
	members, _ := n.fsm.Members()
	out := &pb.StatusResponse{
		Id:                n.cfg.ID,
		State:             r.State().String(),
		Term:              r.CurrentTerm(),
		LeaderId:          leaderID,
		LeaderApiAddr:     members[leaderID],
		AppliedIndex:      n.fsm.AppliedIndex(),
		CommitIndex:       r.CommitIndex(),
		LastIndex:         r.LastIndex(),
		CompactedRevision: n.fsm.CompactedRevision(),
		LastContactMs:     lastContactMs(r),
	}
	if f := r.GetConfiguration(); f.Error() == nil {
		for _, s := range f.Configuration().Servers {
			m := &pb.Member{Id: string(s.ID), RaftAddr: string(s.Address),
				ApiAddr: members[string(s.ID)], Suffrage: suffrage(s.Suffrage)}
			n.addGossipState(m)
			out.Members = append(out.Members, m)
		}
		out.Members = append(out.Members, n.gossipOnlyPeers(f.Configuration())...)
	}
	return out
}

func suffrage(s raft.ServerSuffrage) string {
	switch s {
	case raft.Voter:
		return "Voter"
	case raft.Nonvoter:
		return "Nonvoter"
	}
	return "Staging"
}

// lastContactMs is the time since a follower last heard from its leader: 0
// on the leader, -1 when never.
func lastContactMs(r *raft.Raft) int64 {
	if r.State() == raft.Leader {
		return 0
	}
	t := r.LastContact()
	if t.IsZero() {
		return -1
	}
	return time.Since(t).Milliseconds()
}

// addGossipState fills in what gossip knows of a member.
func (n *Node) addGossipState(m *pb.Member) {
	if n.gossip == nil {
		return
	}
	p, ok := n.gossip.peer(m.Id)
	if !ok {
		return
	}
	m.Gossip, m.GossipAddr = gossipStateName(p.State), p.Addr
	if m.ApiAddr == "" {
		m.ApiAddr = p.Meta.API
	}
}

// gossipOnlyPeers lists the control-plane peers gossip shows alive that
// are not in the Raft configuration (yet): waiting to form a cluster or to
// be added by the leader. Their suffrage is "None".
func (n *Node) gossipOnlyPeers(conf raft.Configuration) []*pb.Member {
	if n.gossip == nil {
		return nil
	}
	known := serverIDs(conf)
	var out []*pb.Member
	for _, p := range n.gossip.servers() {
		if known[p.ID] || p.State != memberlist.StateAlive {
			continue
		}
		out = append(out, &pb.Member{Id: p.ID, RaftAddr: p.Meta.Raft, ApiAddr: p.Meta.API, Suffrage: "None",
			Gossip: gossipStateName(p.State), GossipAddr: p.Addr})
	}
	return out
}

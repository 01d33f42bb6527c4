package apiserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// transferTimeout bounds a leadership transfer whose caller set no
// deadline.
const transferTimeout = 30 * time.Second

// TransferLeadership moves leadership to voter req.To, or to the most
// up-to-date other voter when req.To is empty. It runs on the leader
// (followers forward it; a node that no longer leads answers Unavailable,
// so that clients retry) and answers once another node leads, with this
// node's status: its id is the former leader, its leader_id the new one.
// Writes pause meanwhile; they wait in routing and reach the new leader.
func (s *Server) TransferLeadership(ctx context.Context, req *pb.TransferLeadershipRequest) (*pb.StatusResponse, error) {
	if s.cfg.Membership == nil {
		return nil, errNoMembership
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, transferTimeout)
		defer cancel()
	}
	conn, err := s.route(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	if conn != nil {
		return pb.NewClusterClient(conn).TransferLeadership(forwardContext(ctx), req)
	}
	if err := s.checkTransferable(req.GetTo()); err != nil {
		return nil, err
	}
	if err := s.cfg.Membership.TransferLeadership(ctx, req.GetTo()); err != nil {
		return nil, s.transferError(req.GetTo(), err)
	}
	st := s.newLeaderStatus(ctx)
	if req.GetTo() != "" && st.GetLeaderId() != req.GetTo() {
		return nil, status.Errorf(codes.Aborted,
			"leadership moved to %q instead of %q (an election raced the transfer); try again", st.GetLeaderId(), req.GetTo())
	}
	s.logger().Info("leadership transferred", "from", s.cfg.NodeID, "to", st.GetLeaderId())
	return st, nil
}

// leaderAddrWait bounds how long a transfer's answer waits for the new
// leader's API address.
const leaderAddrWait = 2 * time.Second

// newLeaderStatus returns this node's status once it knows the new
// leader's API address, which a leader records in the store when it first
// establishes a term (so that followers can forward to it), or after
// leaderAddrWait; gossip may know the address meanwhile.
func (s *Server) newLeaderStatus(ctx context.Context) *pb.StatusResponse {
	deadline := time.Now().Add(leaderAddrWait)
	for {
		st := s.cfg.Status()
		if st.GetLeaderApiAddr() != "" || time.Now().After(deadline) || ctx.Err() != nil {
			if m := findMember(st, st.GetLeaderId()); st.GetLeaderApiAddr() == "" && m != nil {
				st.LeaderApiAddr = m.GetApiAddr()
			}
			return st
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// checkTransferable explains, as a status error, why the leader will not
// hand its leadership to member to (any other voter when empty).
func (s *Server) checkTransferable(to string) error {
	st := s.cfg.Status()
	if to != "" {
		m := findMember(st, to)
		switch {
		case m == nil:
			return status.Errorf(codes.InvalidArgument, "member %q is not in the cluster (members: %v)", to, memberIDs(st))
		case m.Suffrage != "Voter":
			return status.Errorf(codes.InvalidArgument, "member %q is a %s; only a voter can lead", to, m.Suffrage)
		case to == s.cfg.NodeID:
			return status.Errorf(codes.FailedPrecondition, "member %q already leads; nothing to transfer", to)
		case m.Gossip == "dead" || m.Gossip == "left":
			return status.Errorf(codes.FailedPrecondition, "member %q is %s to gossip; it cannot take over", to, m.Gossip)
		}
	}
	if countVoters(st) < 2 {
		return status.Errorf(codes.FailedPrecondition, "node %q is the only voter; there is no one to transfer leadership to", s.cfg.NodeID)
	}
	return nil
}

// transferError turns a failed transfer into a status: Unavailable when
// this node no longer leads (clients retry), the context's code when the
// deadline passed, else Aborted with the current leader named.
func (s *Server) transferError(to string, err error) error {
	if errors.Is(err, raftstore.ErrNotLeader) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return toStatus(fmt.Errorf("transfer leadership: %w", err))
	}
	leader, _ := s.cfg.Store.Leader()
	return status.Errorf(codes.Aborted, "transfer leadership to %s: %v (leader now %q)", orAny(to), err, leader)
}

// orAny names a transfer's target for messages.
func orAny(to string) string {
	if to == "" {
		return "another voter"
	}
	return fmt.Sprintf("%q", to)
}

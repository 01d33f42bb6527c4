package apiserver

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// Membership is what the Cluster service needs from the node to change the
// Raft configuration.
type Membership interface {
	// RemoveServer removes the server with Raft id id from the
	// configuration and waits until the change is committed. Only the
	// leader can.
	RemoveServer(ctx context.Context, id string) error
	// TransferLeadership hands this node's leadership to voter to (any
	// other voter, the most up-to-date, when empty) and waits until
	// another node leads. With to empty it is a no-op on a follower; with
	// a target it fails there with raftstore.ErrNotLeader.
	TransferLeadership(ctx context.Context, to string) error
	// Retire is called once this node has left the cluster: the node stops
	// serving its API after the calls in progress, so that clients fail over
	// at once instead of waiting for a leader this node no longer hears.
	Retire()
}

// leaveAttempts bounds how often Leave hands leadership over again when
// this node is re-elected before its removal.
const leaveAttempts = 3

// errNoMembership answers membership calls on a server built without one.
var errNoMembership = status.Error(codes.Unimplemented, "membership changes are not available on this server")

// RemoveMember removes a peer from the Raft configuration. It runs on the
// leader (followers forward it) and refuses to remove an unknown id, the
// last voter, or the leader itself, which must leave instead (Leave hands
// its leadership over first).
func (s *Server) RemoveMember(ctx context.Context, req *pb.RemoveMemberRequest) (*pb.StatusResponse, error) {
	if s.cfg.Membership == nil {
		return nil, errNoMembership
	}
	if req.GetId() == "" {
		return nil, toStatus(fmt.Errorf("%w: a member id is required", errBadRequest))
	}
	conn, err := s.route(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	if conn != nil {
		return pb.NewClusterClient(conn).RemoveMember(forwardContext(ctx), req)
	}
	if err := s.checkRemovable(req.Id); err != nil {
		return nil, err
	}
	if err := s.cfg.Membership.RemoveServer(ctx, req.Id); err != nil {
		return nil, toStatus(fmt.Errorf("remove member %q: %w", req.Id, err))
	}
	s.logger().Info("member removed", "member", req.Id)
	return s.cfg.Status(), nil
}

// checkRemovable explains, as a status error, why the leader will not
// remove member id.
func (s *Server) checkRemovable(id string) error {
	st := s.cfg.Status()
	m := findMember(st, id)
	switch {
	case m == nil:
		return toStatus(fmt.Errorf("%w: member %q is not in the cluster (members: %v)", raftstore.ErrNotFound, id, memberIDs(st)))
	case m.Suffrage == "Voter" && countVoters(st) == 1:
		return status.Errorf(codes.FailedPrecondition, "member %q is the last voter; a cluster cannot remove its last voter", id)
	case id == s.cfg.NodeID:
		return status.Errorf(codes.FailedPrecondition,
			"member %q is the leader; run `drover cluster leave --server %s` to hand leadership over and remove it, or transfer leadership first",
			id, m.ApiAddr)
	}
	return nil
}

// Leave removes this node from the cluster. It runs on the node that
// receives it and is never forwarded: if this node leads, it hands
// leadership to another voter first, then asks the new leader to remove it.
// The answer is the leader's status after the removal. Once it has left,
// the node stops serving its API (Membership.Retire).
func (s *Server) Leave(ctx context.Context, _ *pb.LeaveRequest) (*pb.StatusResponse, error) {
	if s.cfg.Membership == nil {
		return nil, errNoMembership
	}
	if err := s.checkCanLeave(); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		out, err := s.leaveOnce(ctx)
		if err == nil {
			s.logger().Info("left the cluster", "leader", out.GetLeaderId())
			s.cfg.Membership.Retire()
			return out, nil
		}
		if status.Code(err) != codes.Unavailable || attempt == leaveAttempts || ctx.Err() != nil {
			return nil, err
		}
		s.logger().Warn("leave: retrying", "attempt", attempt, "err", err)
		select {
		case <-ctx.Done():
			return nil, toStatus(ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// leaveOnce hands leadership over if this node leads, then has the leader
// remove this node.
func (s *Server) leaveOnce(ctx context.Context) (*pb.StatusResponse, error) {
	if id, _ := s.cfg.Store.Leader(); id == s.cfg.NodeID {
		if err := s.cfg.Membership.TransferLeadership(ctx, ""); err != nil {
			return nil, status.Errorf(codes.Unavailable, "hand leadership over: %v (nothing changed; try again)", err)
		}
	}
	conn, err := s.route(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	if conn == nil {
		// Re-elected before the removal: hand over again.
		return nil, status.Errorf(codes.Unavailable, "node %q leads again", s.cfg.NodeID)
	}
	return pb.NewClusterClient(conn).RemoveMember(forwardContext(ctx), &pb.RemoveMemberRequest{Id: s.cfg.NodeID})
}

// checkCanLeave refuses to let a non-member or the last voter leave.
func (s *Server) checkCanLeave() error {
	st := s.cfg.Status()
	m := findMember(st, s.cfg.NodeID)
	switch {
	case m == nil:
		return status.Errorf(codes.FailedPrecondition, "node %q is not a member of the cluster (already removed?)", s.cfg.NodeID)
	case m.Suffrage == "Voter" && countVoters(st) == 1:
		return status.Errorf(codes.FailedPrecondition, "node %q is the last voter; a cluster cannot remove its last voter", s.cfg.NodeID)
	}
	return nil
}

// logger returns the configured logger, or slog's default.
func (s *Server) logger() *slog.Logger {
	if s.cfg.Logger != nil {
		return s.cfg.Logger
	}
	return slog.Default()
}

// notInRaft is the suffrage a status gives a peer that gossip shows but
// the Raft configuration does not hold: it is no member to remove.
const notInRaft = "None"

// findMember returns the Raft member id, nil when there is none.
func findMember(st *pb.StatusResponse, id string) *pb.Member {
	for _, m := range st.GetMembers() {
		if m.Id == id && m.Suffrage != notInRaft {
			return m
		}
	}
	return nil
}

func countVoters(st *pb.StatusResponse) int {
	n := 0
	for _, m := range st.GetMembers() {
		if m.Suffrage == "Voter" {
			n++
		}
	}
	return n
}

func memberIDs(st *pb.StatusResponse) []string {
	var ids []string
	for _, m := range st.GetMembers() {
		if m.Suffrage != notInRaft {
			ids = append(ids, m.Id)
		}
	}
	return ids
}

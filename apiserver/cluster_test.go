package apiserver

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/drover/drover/proto/droverpb"
)

// A peer that gossip shows but Raft does not hold is not a member to remove.
func TestCheckRemovableIgnoresGossipOnlyPeers(t *testing.T) {
	st := &pb.StatusResponse{Members: []*pb.Member{
		{Id: "n1", Suffrage: "Voter"}, {Id: "n2", Suffrage: "Voter"}, {Id: "n3", Suffrage: notInRaft},
	}}
	s := New(Config{NodeID: "n1", Status: func() *pb.StatusResponse { return st }})
	if err := s.checkRemovable("n3"); status.Code(err) != codes.NotFound {
		t.Fatalf("removing a gossip-only peer: %v", err)
	}
	if err := s.checkRemovable("n2"); err != nil {
		t.Fatalf("removing a voter: %v", err)
	}
}

package apiserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// fakeMembership records transfers; each one runs then, as Raft would
// have, or fails with err.
type fakeMembership struct {
	mu        sync.Mutex
	transfers []string
	then      func(to string)
	err       error
}

func (f *fakeMembership) RemoveServer(context.Context, string) error { return nil }

func (f *fakeMembership) Retire() {}

func (f *fakeMembership) TransferLeadership(_ context.Context, to string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.transfers = append(f.transfers, to)
	if f.err != nil {
		return f.err
	}
	if f.then != nil {
		f.then(to)
	}
	return nil
}

func (f *fakeMembership) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.transfers...)
}

// threeVoters are n1..n3 plus a non-voter n4 and a peer n5 that only
// gossip shows.
func threeVoters() []*pb.Member {
	return []*pb.Member{
		{Id: "n1", Suffrage: "Voter", ApiAddr: "a1"}, {Id: "n2", Suffrage: "Voter", ApiAddr: "a2"},
		{Id: "n3", Suffrage: "Voter", ApiAddr: "a3", Gossip: "dead"}, {Id: "n4", Suffrage: "Nonvoter"},
		{Id: "n5", Suffrage: notInRaft},
	}
}

// startLeader starts leader n1 whose transfers hand leadership to their
// target (n2 when none is named), or to movesTo when set.
func startLeader(t *testing.T, members []*pb.Member, movesTo string) (*node, *fakeMembership) {
	m := &fakeMembership{}
	n := startNode(t, nodeOptions{id: "n1", leaderID: "n1", membership: m, members: members})
	m.then = func(to string) {
		switch {
		case movesTo != "":
			to = movesTo
		case to == "":
			to = "n2"
		}
		n.raft.leader.Store(false)
		n.raft.leaderID.Store(to)
	}
	return n, m
}

func TestTransferLeadershipRefusesBadTargets(t *testing.T) {
	n, m := startLeader(t, threeVoters(), "")
	for _, c := range []struct {
		to   string
		code codes.Code
		want string
	}{
		{"nope", codes.InvalidArgument, `member "nope" is not in the cluster (members: [n1 n2 n3 n4])`},
		{"n5", codes.InvalidArgument, "not in the cluster"},
		{"n4", codes.InvalidArgument, `member "n4" is a Nonvoter; only a voter can lead`},
		{"n1", codes.FailedPrecondition, `member "n1" already leads`},
		{"n3", codes.FailedPrecondition, `member "n3" is dead to gossip`},
	} {
		_, err := n.cluster.TransferLeadership(testCtx(t), &pb.TransferLeadershipRequest{To: c.to})
		wantCode(t, err, c.code, c.want)
	}
	alone, m2 := startLeader(t, []*pb.Member{{Id: "n1", Suffrage: "Voter"}, {Id: "n2", Suffrage: "Nonvoter"}}, "")
	_, err := alone.cluster.TransferLeadership(testCtx(t), &pb.TransferLeadershipRequest{})
	wantCode(t, err, codes.FailedPrecondition, "only voter")
	if got := append(m.calls(), m2.calls()...); len(got) != 0 {
		t.Fatalf("refused transfers reached Raft: %q", got)
	}
}

func TestTransferLeadershipAnswersNewLeader(t *testing.T) {
	for _, to := range []string{"n2", ""} {
		n, m := startLeader(t, threeVoters(), "")
		st, err := n.cluster.TransferLeadership(testCtx(t), &pb.TransferLeadershipRequest{To: to})
		if err != nil {
			t.Fatalf("transfer to %q: %v", to, err)
		}
		if st.Id != "n1" || st.LeaderId != "n2" || st.LeaderApiAddr != "a2" {
			t.Errorf("transfer to %q answered id %q, leader %q at %q", to, st.Id, st.LeaderId, st.LeaderApiAddr)
		}
		if got := m.calls(); len(got) != 1 || got[0] != to {
			t.Errorf("transfer to %q asked Raft for %q", to, got)
		}
	}
}

func TestTransferLeadershipFailures(t *testing.T) {
	// An election raced the transfer: someone else leads.
	n, _ := startLeader(t, threeVoters(), "n3")
	_, err := n.cluster.TransferLeadership(testCtx(t), &pb.TransferLeadershipRequest{To: "n2"})
	wantCode(t, err, codes.Aborted, `leadership moved to "n3" instead of "n2"`)

	for _, c := range []struct {
		err  error
		code codes.Code
		want string
	}{
		{fmt.Errorf("%w: lost it", raftstore.ErrNotLeader), codes.Unavailable, "lost it"},
		{fmt.Errorf("no other leader yet: %w", context.DeadlineExceeded), codes.DeadlineExceeded, "no other leader yet"},
		{errors.New("leadership transfer timeout"), codes.Aborted, `transfer leadership to "n2": leadership transfer timeout (leader now "n1")`},
	} {
		n, m := startLeader(t, threeVoters(), "")
		m.err = c.err
		_, err := n.cluster.TransferLeadership(testCtx(t), &pb.TransferLeadershipRequest{To: "n2"})
		wantCode(t, err, c.code, c.want)
	}
}

// A follower forwards the call to the leader, whose answer it returns; a
// node without membership support answers Unimplemented.
func TestTransferLeadershipForwarded(t *testing.T) {
	leader, m := startLeader(t, threeVoters(), "")
	follower := startNode(t, nodeOptions{id: "n2", follower: true, leaderID: "n1", leaderWait: 300 * time.Millisecond,
		membership: &fakeMembership{}, members: threeVoters()})
	follower.mustApply(&pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "n1", MemberApiAddr: leader.addr})
	st, err := follower.cluster.TransferLeadership(testCtx(t), &pb.TransferLeadershipRequest{To: "n2"})
	if err != nil || st.Id != "n1" || st.LeaderId != "n2" {
		t.Fatalf("forwarded transfer: %v, %v", st, err)
	}
	if got := m.calls(); len(got) != 1 || got[0] != "n2" {
		t.Fatalf("the leader ran %q", got)
	}

	plain := startNode(t, nodeOptions{})
	_, err = plain.cluster.TransferLeadership(testCtx(t), &pb.TransferLeadershipRequest{})
	wantCode(t, err, codes.Unimplemented)
}

package apiserver

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"

	pb "github.com/drover/drover/proto/droverpb"
)

// pair starts a leader "n1" and a follower "n2" that knows n1 leads and has
// n1's API address recorded through a SET_MEMBER op. The fakes do not
// replicate: what the leader writes stays on the leader.
func pair(t *testing.T) (leader, follower *node) {
	leader = startNode(t, nodeOptions{id: "n1"})
	follower = startNode(t, nodeOptions{id: "n2", follower: true, leaderID: "n1", leaderWait: 300 * time.Millisecond})
	follower.mustApply(&pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "n1", MemberApiAddr: leader.addr})
	return leader, follower
}

func TestFollowerForwardsToLeader(t *testing.T) {
	leader, follower := pair(t)
	created := follower.create(configMap("", "cfg", "1", "app=web"))
	if created.Metadata.ResourceVersion != leader.fsm.AppliedIndex() || created.Metadata.Namespace != "default" {
		t.Fatalf("forwarded create returned %v (leader at %d)", created.Metadata, leader.fsm.AppliedIndex())
	}
	if _, err := leader.fsm.Get("ConfigMap", "default", "cfg"); err != nil {
		t.Fatalf("leader lacks the object: %v", err)
	}
	if _, err := follower.fsm.Get("ConfigMap", "default", "cfg"); err == nil {
		t.Fatal("the follower applied the write itself")
	}
	if n := follower.raft.proposals.Load(); n != 0 {
		t.Fatalf("the follower proposed %d times", n)
	}

	in := configMap("default", "cfg", "2")
	in.Metadata.ResourceVersion = created.Metadata.ResourceVersion
	if up := follower.update(in); string(up.Body) != `{"data":{"k":"2"}}` {
		t.Errorf("forwarded update: %s", up.Body)
	}
	_, err := follower.cli.Update(testCtx(t), &pb.UpdateRequest{Object: in}) // now stale
	wantCode(t, err, codes.Aborted, "current "+itoa(leader.fsm.AppliedIndex()))
	_, err = follower.cli.Create(testCtx(t), &pb.CreateRequest{Object: configMap("default", "cfg", "1")})
	wantCode(t, err, codes.AlreadyExists)

	p := follower.create(pod("p", ""))
	st := pod("p", "")
	st.Status = []byte(`{"phase":"Running"}`)
	if out, err := follower.cli.UpdateStatus(testCtx(t), &pb.UpdateRequest{Object: st}); err != nil ||
		out.Metadata.ResourceVersion <= p.Metadata.ResourceVersion {
		t.Fatalf("forwarded UpdateStatus: %v, %v", out, err)
	}

	// Linearizable reads go to the leader; stale ones read local state.
	if _, err := follower.cli.Get(testCtx(t), &pb.GetRequest{Kind: "cm", Name: "cfg"}); err != nil {
		t.Errorf("forwarded get: %v", err)
	}
	_, err = follower.cli.Get(testCtx(t), &pb.GetRequest{Kind: "cm", Name: "cfg", Stale: true})
	wantCode(t, err, codes.NotFound)
	if res := follower.list(&pb.ListRequest{Kind: "cm"}); names(res.Items) != "cfg" || res.ResourceVersion != leader.fsm.AppliedIndex() {
		t.Errorf("forwarded list %q at %d", names(res.Items), res.ResourceVersion)
	}
	if res := follower.list(&pb.ListRequest{Kind: "cm", Stale: true}); len(res.Items) != 0 {
		t.Errorf("stale list on the follower: %q", names(res.Items))
	}

	if _, err := follower.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "cm", Name: "cfg"}); err != nil {
		t.Fatal(err)
	}
	if _, err := leader.fsm.Get("ConfigMap", "default", "cfg"); err == nil {
		t.Error("forwarded delete left the object on the leader")
	}
	st2, err := follower.cluster.Status(testCtx(t), &pb.StatusRequest{})
	if err != nil || st2.Id != "n2" {
		t.Errorf("status answered by %v, %v", st2, err)
	}
}

func TestForwardedRequestIsNotForwardedAgain(t *testing.T) {
	leader, follower := pair(t)
	c := metadata.AppendToOutgoingContext(testCtx(t), forwardedKey, "1")
	// The follower knows another leader: it refuses at once (nothing was
	// proposed, Unavailable), so the original sender's client retries
	// elsewhere instead of waiting out LeaderWait.
	_, err := follower.cli.Create(c, &pb.CreateRequest{Object: configMap("default", "cfg", "1")})
	wantCode(t, err, codes.Unavailable, "leads now")
	if _, err := leader.fsm.Get("ConfigMap", "default", "cfg"); err == nil {
		t.Error("a forwarded request was forwarded again")
	}
	_, err = follower.cli.Get(c, &pb.GetRequest{Kind: "cm", Name: "cfg"})
	wantCode(t, err, codes.Unavailable)
}

func TestNoLeaderIsUnavailable(t *testing.T) {
	wait := 150 * time.Millisecond
	for _, leaderID := range []string{"", "n9"} { // unknown, or address not recorded
		n := startNode(t, nodeOptions{id: "n2", follower: true, leaderID: leaderID, leaderWait: wait})
		began := time.Now()
		_, err := n.cli.Create(testCtx(t), &pb.CreateRequest{Object: configMap("default", "cfg", "1")})
		wantCode(t, err, codes.Unavailable, "no established leader")
		if d := time.Since(began); d < wait {
			t.Errorf("leader %q: gave up after %v", leaderID, d)
		}
		_, err = n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "cm", Name: "cfg"})
		wantCode(t, err, codes.Unavailable)
		_, err = n.cli.List(testCtx(t), &pb.ListRequest{Kind: "cm"})
		wantCode(t, err, codes.Unavailable)
	}
}

func TestRequestWaitsForElection(t *testing.T) {
	leader := startNode(t, nodeOptions{id: "n1"})
	follower := startNode(t, nodeOptions{id: "n2", follower: true})
	follower.mustApply(&pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: "n1", MemberApiAddr: leader.addr})
	done := make(chan error, 1)
	go func() {
		_, err := follower.cli.Create(testCtx(t), &pb.CreateRequest{Object: configMap("default", "cfg", "1")})
		done <- err
	}()
	time.Sleep(30 * time.Millisecond) // the request is now waiting for a leader
	follower.raft.leaderID.Store("n1")
	if err := <-done; err != nil {
		t.Fatalf("create after the election: %v", err)
	}
	// The node that becomes leader itself serves locally.
	follower.raft.leader.Store(true)
	follower.create(configMap("default", "local", "1"))
	if _, err := follower.fsm.Get("ConfigMap", "default", "local"); err != nil {
		t.Fatal(err)
	}
}

package node

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/drover/drover/proto/droverpb"
)

// leadershipRecheck makes the monitor look at Raft's state even when no
// notification came: notifications can coalesce, the state cannot lie.
const leadershipRecheck = time.Second

// monitorLeadership runs leader-only work in one context per term: started
// when this node leads, cancelled (and waited for) when it stops leading or
// a new term begins.
func (n *Node) monitorLeadership(ctx context.Context) {
	r := n.store.Raft()
	var term *leaderTerm
	tick := time.NewTicker(leadershipRecheck)
	defer tick.Stop()
	for {
		leading, current := r.State() == raft.Leader, r.CurrentTerm()
		if term != nil && (!leading || term.term != current) {
			term.stop()
			term = nil
		}
		if leading && term == nil {
			term = n.startTerm(ctx, current)
		}
		select {
		case <-ctx.Done():
			if term != nil {
				term.stop()
			}
			return
		case <-r.LeaderCh():
		case <-tick.C:
		}
	}
}

// leaderTerm is the leader-only work of one term.
type leaderTerm struct {
	term   uint64
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func (t *leaderTerm) stop() {
	t.cancel()
	t.wg.Wait()
}

func (n *Node) startTerm(parent context.Context, term uint64) *leaderTerm {
	ctx, cancel := context.WithCancel(parent)
	t := &leaderTerm{term: term, cancel: cancel}
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		n.lead(ctx, term)
	}()
	return t
}

// lead establishes the term, then does what a new leader owes the cluster,
// then compacts the history and runs the autopilot until the term ends.
func (n *Node) lead(ctx context.Context, term uint64) {
	log := n.logger.With("term", term)
	if !n.retry(ctx, func() error { return n.store.Establish(5 * time.Second) }) {
		return
	}
	log.Info("leading")
	if !n.retry(ctx, func() error { return n.registerSelf(ctx) }) {
		return
	}
	if !n.retry(ctx, func() error { return n.ensureNamespace(ctx, "default") }) {
		return
	}
	done := make(chan struct{})
	go func() { defer close(done); n.autopilot(ctx) }()
	n.compactLoop(ctx)
	<-done
}

// retry runs f until it succeeds (true) or the term ends (false).
func (n *Node) retry(ctx context.Context, f func() error) bool {
	for {
		err := f()
		if err == nil {
			return true
		}
		if ctx.Err() != nil || errors.Is(err, raft.ErrRaftShutdown) {
			return false
		}
		n.logger.Warn("leader setup step failed; retrying", "err", err)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// registerSelf records this node's API address so that followers can
// forward to it.
func (n *Node) registerSelf(ctx context.Context) error {
	members, err := n.fsm.Members()
	if err != nil {
		return err
	}
	if members[n.cfg.ID] == n.advertisedAPI() {
		return nil
	}
	return n.proposeOne(ctx, &pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: n.cfg.ID, MemberApiAddr: n.advertisedAPI()})
}

// advertisedAPI is the API address peers use: the configured one, with the
// actual port when the configuration asked for port 0.
func (n *Node) advertisedAPI() string { return n.lis.Addr().String() }

// ensureNamespace creates a namespace through the API's own create path
// (validation, defaulting, stamps) unless it exists.
func (n *Node) ensureNamespace(ctx context.Context, name string) error {
	if _, err := n.fsm.Get("Namespace", "", name); err == nil {
		return nil
	}
	ns := &pb.Object{ApiVersion: "v1", Kind: "Namespace", Metadata: &pb.ObjectMeta{Name: name}}
	_, err := n.api.Create(ctx, &pb.CreateRequest{Object: ns})
	if status.Code(err) == codes.AlreadyExists {
		return nil
	}
	return err
}

func (n *Node) proposeOne(ctx context.Context, op *pb.Op) error {
	results, _, err := n.store.Propose(ctx, &pb.Command{Ops: []*pb.Op{op}, Timestamp: time.Now().UnixNano()})
	if err != nil {
		return err
	}
	return results[0].Err
}

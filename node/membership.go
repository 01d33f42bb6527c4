package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"

	"github.com/drover/drover/raftstore"
)

// Membership changes, on hashicorp/raft: the node implements
// apiserver.Membership.
//
// Handing leadership over (Leave, and Close on SIGTERM) is meant to cost
// clients a short pause, not errors. While it runs, the API sees this node
// as not leading (gatedStore), so new requests wait in the API's routing
// and are forwarded to the new leader once it is known, instead of reaching
// Raft and failing with "leadership transfer in progress". A barrier first
// lets the writes already admitted commit and be answered before the
// step-down.

const (
	// enqueueTimeout bounds how long a configuration change or barrier
	// waits to enter Raft's pipeline.
	membershipEnqueueTimeout = 5 * time.Second
	// handOffTimeout bounds the leadership hand-over on Close.
	handOffTimeout = 5 * time.Second
	// transferRetryDelay spaces attempts of a failed transfer (the
	// target may still be catching up).
	transferRetryDelay = 100 * time.Millisecond
	// namedTransferAttempts bounds the attempts of a transfer to a named
	// voter (each lasts up to an election timeout).
	namedTransferAttempts = 3
)

// errNoOtherVoter: leadership cannot move, no other voter exists.
var errNoOtherVoter = errors.New("no other voter to hand leadership to")

// errTransferFailed: a leadership transfer to a named voter did not
// happen; this node still leads.
var errTransferFailed = errors.New("leadership transfer failed")

// gatedStore is the Replicator the API sees: it reports this node as not
// leading while the node hands its leadership over.
type gatedStore struct {
	*raftstore.Store
	n *Node
}

// IsLeader reports whether this node leads an established term and is not
// handing leadership over.
func (g gatedStore) IsLeader() bool {
	return !g.n.handingOff.Load() && g.Store.IsLeader()
}

// RemoveServer removes server id from the Raft configuration and waits
// until the change is committed. Only the leader can; elsewhere it fails
// with raftstore.ErrNotLeader.
func (n *Node) RemoveServer(ctx context.Context, id string) error {
	n.removedAt.Store(id, time.Now())
	f := n.store.Raft().RemoveServer(raft.ServerID(id), 0, membershipEnqueueTimeout)
	if err := waitFuture(ctx, f); err != nil {
		return raftError(err)
	}
	return nil
}

// removedSince reports whether this node removed peer id after the peer's
// gossip state last changed: the removed peer has not left and come back
// since, so the autopilot must not add it again.
func (n *Node) removedSince(id string, stateSince time.Time) bool {
	t, ok := n.removedAt.Load(id)
	return ok && !stateSince.After(t.(time.Time))
}

// TransferLeadership hands this node's leadership to voter to, or to the
// most up-to-date other voter when to is empty, and waits until another
// node is known to lead, within ctx. A failed attempt (the target could
// not catch up in an election timeout) is retried: without a target until
// ctx ends, with one at most namedTransferAttempts times, since writes
// pause while a transfer runs. On a follower it does nothing when to is
// empty and fails with raftstore.ErrNotLeader otherwise.
func (n *Node) TransferLeadership(ctx context.Context, to string) error {
	r := n.store.Raft()
	if r.State() != raft.Leader {
		if to != "" {
			return fmt.Errorf("%w: node %q no longer leads", raftstore.ErrNotLeader, n.cfg.ID)
		}
		return nil
	}
	target, err := n.transferTarget(to)
	if err != nil {
		return err
	}
	if !n.handingOff.CompareAndSwap(false, true) {
		return fmt.Errorf("%w: node %q is already handing leadership over", raftstore.ErrNotLeader, n.cfg.ID)
	}
	defer n.handingOff.Store(false)
	if err := waitFuture(ctx, r.Barrier(membershipEnqueueTimeout)); err != nil {
		return fmt.Errorf("barrier before the hand-over: %w", raftError(err))
	}
	for attempt := 1; r.State() == raft.Leader; attempt++ {
		err := waitFuture(ctx, transferFuture(r, target))
		if err == nil || ctx.Err() != nil {
			break
		}
		if target != nil && attempt >= namedTransferAttempts {
			return fmt.Errorf("%w: %q did not take over after %d attempts: %v", errTransferFailed, to, attempt, err)
		}
		n.logger.Warn("leadership transfer failed; retrying", "to", to, "err", err)
		if !sleepCtx(ctx, transferRetryDelay) {
			break
		}
	}
	return n.waitOtherLeader(ctx)
}

// transferTarget returns voter to from the configuration, nil for any
// voter; it fails when there is no other voter to take over.
func (n *Node) transferTarget(to string) (*raft.Server, error) {
	if !n.hasOtherVoter() {
		return nil, errNoOtherVoter
	}
	if to == "" {
		return nil, nil
	}
	f := n.store.Raft().GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, raftError(err)
	}
	for _, s := range f.Configuration().Servers {
		if string(s.ID) == to && s.Suffrage == raft.Voter && to != n.cfg.ID {
			return &s, nil
		}
	}
	return nil, fmt.Errorf("%w: %q is not another voter", errTransferFailed, to)
}

// transferFuture starts a transfer to target, or to any voter if nil.
func transferFuture(r *raft.Raft, target *raft.Server) raft.Future {
	if target == nil {
		return r.LeadershipTransfer()
	}
	return r.LeadershipTransferToServer(target.ID, target.Address)
}

// waitOtherLeader waits until a node other than this one is known to lead.
func (n *Node) waitOtherLeader(ctx context.Context) error {
	for {
		if id, _ := n.store.Leader(); id != "" && id != n.cfg.ID {
			return nil
		}
		if !sleepCtx(ctx, 20*time.Millisecond) {
			return fmt.Errorf("no other leader yet: %w", ctx.Err())
		}
	}
}

// hasOtherVoter reports whether the configuration has a voter besides
// this node.
func (n *Node) hasOtherVoter() bool {
	f := n.store.Raft().GetConfiguration()
	if f.Error() != nil {
		return false
	}
	for _, s := range f.Configuration().Servers {
		if s.Suffrage == raft.Voter && string(s.ID) != n.cfg.ID {
			return true
		}
	}
	return false
}

// Retire stops the API once this node has left the cluster, after the
// calls in progress (the Leave that asked for it among them). Clients
// then fail over to the remaining members at once. Raft and the HTTP
// endpoints keep running until Close.
func (n *Node) Retire() {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		n.stopGRPC(5 * time.Second)
		n.logger.Info("left the cluster; API stopped, stop this process")
	}()
}

// handOff, on Close, passes leadership to another voter when this node
// leads, so that clients see a short pause instead of the election that
// would follow missed heartbeats; the API still serves meanwhile and
// forwards to the new leader. Bounded by handOffTimeout; if it fails the
// node stops anyway and the others elect a leader as after a crash.
func (n *Node) handOff() {
	if n.store == nil || n.store.Raft().State() != raft.Leader || !n.hasOtherVoter() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), handOffTimeout)
	defer cancel()
	if err := n.TransferLeadership(ctx, ""); err != nil {
		n.logger.Warn("leadership hand-over before shutdown failed", "err", err)
		return
	}
	id, _ := n.store.Leader()
	n.logger.Info("handed leadership over before shutdown", "leader", id)
}

// waitFuture waits for a Raft future within ctx. Raft answers every future
// eventually (at the latest on shutdown), so the waiting goroutine ends.
func waitFuture(ctx context.Context, f raft.Future) error {
	done := make(chan error, 1)
	go func() { done <- f.Error() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// raftError maps hashicorp/raft's errors to the store's sentinels.
func raftError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress),
		errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %v", raftstore.ErrNotLeader, err)
	case errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %v", raftstore.ErrOutcomeUnknown, err)
	}
	return err
}

// sleepCtx sleeps for d unless ctx ends first (false).
func sleepCtx(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

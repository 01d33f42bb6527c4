package node

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/raft"

	"github.com/drover/drover/raftstore"
)

// Forming a cluster with --bootstrap-expect N, Consul/Nomad style, without
// a static peer list.
//
// Every peer started with the flag and no Raft state gossips its N. Once a
// peer sees at least N such peers alive, the same N everywhere, none of
// them already in a cluster, and that view has held still for
// bootstrapSettle, the peer with the lowest id bootstraps a configuration
// in which every peer it sees votes. The others do not bootstrap: they
// grant their votes (a peer without configuration does) and receive the
// configuration with the leader's first replication. One bootstrapper per
// view is what keeps two clusters from forming: two peers can only both
// bootstrap if neither has heard of the other, so give every peer the same
// --join list. A peer that finds an existing cluster in gossip waits to be
// added by its leader instead (autopilot.go).

// bootstrapSettle is how long the gossip view must stay unchanged before
// the lowest peer bootstraps, so that peers still joining are included.
const bootstrapSettle = time.Second

// formingConfirm is how long a peer about to bootstrap waits after
// announcing it (gossip metadata Forming) before it looks again: long
// enough for the announcement to reach the others and theirs to reach it.
const formingConfirm = 500 * time.Millisecond

// bootstrapPoll is how often the view is looked at besides on changes.
const bootstrapPoll = 250 * time.Millisecond

// formCluster waits for the expected peers and bootstraps if this node is
// the one to. It returns once this node belongs to a cluster, formed by it
// or by another peer, or ctx ends.
func (n *Node) formCluster(ctx context.Context) {
	var view, said string
	var stableSince time.Time
	say := func(msg string, args ...any) {
		if what := fmt.Sprint(msg, args); what != said {
			n.logger.Info(msg, args...)
			said = what
		}
	}
	for !n.inConfiguration() {
		peers, err := bootstrapPeers(n.gossip.servers(), n.cfg.BootstrapExpect, n.cfg.ID)
		switch {
		case errors.Is(err, errExistingCluster):
			say("found an existing cluster in gossip; waiting for its leader to add this node")
		case err != nil:
			say("waiting to form a cluster", "reason", err.Error())
			view = ""
		default:
			if v := peerIDs(peers); v != view {
				view, stableSince = v, time.Now()
			}
			if time.Since(stableSince) < bootstrapSettle {
				break
			}
			if peers[0].ID != n.cfg.ID {
				say("expected peers present; waiting for the lowest id to bootstrap", "peers", view)
				break
			}
			if n.confirmForming(ctx, view) {
				if !n.bootstrap(peers) {
					n.gossip.setMeta(func(m *gossipMeta) { m.Forming = false })
				}
			} else {
				view = "" // settle again
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-n.gossip.changes():
		case <-time.After(bootstrapPoll):
		}
	}
}

// confirmForming closes the window in which two peers with different views
// could both bootstrap: this peer announces that it is forming, waits, and
// goes ahead only if its view of the fresh peers is unchanged and no other
// peer announced the same or already belongs to a cluster. Otherwise it
// withdraws and the views settle again (a peer that sees another forming
// never bootstraps, bootstrapPeers).
func (n *Node) confirmForming(ctx context.Context, view string) bool {
	n.gossip.setMeta(func(m *gossipMeta) { m.Forming = true })
	if sleepCtx(ctx, formingConfirm) {
		peers, err := bootstrapPeers(n.gossip.servers(), n.cfg.BootstrapExpect, n.cfg.ID)
		if err == nil && peerIDs(peers) == view {
			return true
		}
	}
	n.gossip.setMeta(func(m *gossipMeta) { m.Forming = false })
	n.logger.Info("not bootstrapping yet: the view changed or another peer is forming a cluster")
	return false
}

// bootstrap forms the cluster; false if it could not (the loop retries).
func (n *Node) bootstrap(peers []raftstore.Peer) bool {
	err := n.store.Bootstrap(peers)
	switch {
	case err == nil:
		n.logger.Info("bootstrapped a new cluster", "voters", peerIDs(peers))
	case errors.Is(err, raft.ErrCantBootstrap):
		n.logger.Info("not bootstrapping: this node already has Raft state")
	default:
		n.logger.Error("bootstrap failed", "err", err)
		return false
	}
	return true
}

// peerIDs lists the peers' ids, comma-separated.
func peerIDs(peers []raftstore.Peer) string {
	ids := make([]string, len(peers))
	for i, p := range peers {
		ids[i] = p.ID
	}
	return strings.Join(ids, ",")
}

var (
	errExistingCluster = errors.New("a peer already belongs to a cluster")
	errOtherForming    = errors.New("another peer is forming a cluster")
	errExpectMismatch  = errors.New("peers disagree on --bootstrap-expect")
	errTooFewPeers     = errors.New("fewer peers than expected")
)

// bootstrapPeers returns the voters of a new cluster from the servers
// gossip shows (sorted by id), or why there is none yet; self is the
// asking peer, whose own Forming flag does not count.
func bootstrapPeers(servers []peerState, expect int, self string) ([]raftstore.Peer, error) {
	var peers []raftstore.Peer
	for _, s := range servers {
		if s.State != memberlist.StateAlive {
			continue
		}
		if s.Meta.Member {
			return nil, errExistingCluster
		}
		if s.Meta.Forming && s.ID != self {
			return nil, fmt.Errorf("%w: %s", errOtherForming, s.ID)
		}
		if s.Meta.Expect != expect {
			return nil, fmt.Errorf("%w: peer %s expects %d, this node %d", errExpectMismatch, s.ID, s.Meta.Expect, expect)
		}
		peers = append(peers, raftstore.Peer{ID: s.ID, Addr: s.Meta.Raft})
	}
	if len(peers) < expect {
		return nil, errTooFewPeers
	}
	return peers, nil
}

// inConfiguration reports whether this node is in its latest Raft
// configuration.
func (n *Node) inConfiguration() bool {
	_, ok := n.selfSuffrage()
	return ok
}

// selfSuffrage returns this node's suffrage in its latest configuration.
func (n *Node) selfSuffrage() (raft.ServerSuffrage, bool) {
	f := n.store.Raft().GetConfiguration()
	if f.Error() != nil {
		return 0, false
	}
	for _, s := range f.Configuration().Servers {
		if string(s.ID) == n.cfg.ID {
			return s.Suffrage, true
		}
	}
	return 0, false
}

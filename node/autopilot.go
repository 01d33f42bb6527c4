package node

import (
	"context"
	"time"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/raft"

	pb "github.com/drover/drover/proto/droverpb"
)

// Autopilot: the leader keeps the Raft configuration in step with the
// peers gossip shows, as Consul's autopilot does.
//
//   - A peer in gossip but not in Raft is added as a non-voter: it copies
//     the log (or a snapshot) without counting towards quorum. A peer this
//     node removed is not added back until it has left gossip and
//     rejoined (a removed peer leaves gossip by itself).
//   - A non-voter is promoted once it has stayed caught up (within
//     MaxLag entries of the leader) for PromoteAfter, while there are
//     fewer than MaxVoters voters.
//   - A voter that started with an empty log (a wiped peer rejoining under
//     its old id) and lags is demoted until it has caught up: it holds
//     none of the entries its vote used to vouch for. What tells it from a
//     new member that started empty and fell behind (partitioned from the
//     start, say) is its instance, a random id drawn at each start: the
//     leader records in the store the instance of each voter that holds
//     data, and only a voter whose recorded instance differs was wiped.
//   - Every member's API address is recorded in the store, so that any
//     node can forward to whichever leads.
//   - With DeadPeerTimeout set, a peer that gossip has seen dead or gone
//     for that long is removed, only while the voters still alive stay a
//     majority of the smaller configuration.

// AutopilotConfig tunes how the leader manages membership.
type AutopilotConfig struct {
	// MaxVoters caps the voters; further peers stay non-voters that
	// replicate and serve stale reads.
	MaxVoters int
	// MaxLag is how many entries behind the leader's log a peer's
	// applied state may be and still count as caught up.
	MaxLag uint64
	// PromoteAfter is how long a non-voter must stay caught up.
	PromoteAfter time.Duration
	// DeadPeerTimeout removes peers gossip has seen dead this long; 0
	// never removes them.
	DeadPeerTimeout time.Duration
	// Interval is how often the leader reconciles without a gossip change.
	Interval time.Duration
}

// DefaultAutopilotConfig returns the shipped settings.
func DefaultAutopilotConfig() AutopilotConfig {
	return AutopilotConfig{MaxVoters: 5, MaxLag: 256, PromoteAfter: 3 * time.Second, Interval: time.Second}
}

// autopilotCallTimeout bounds one configuration change or status probe.
const autopilotCallTimeout = 3 * time.Second

// autopilot runs the leader's reconciliation until the term ends.
func (n *Node) autopilot(ctx context.Context) {
	if n.gossip == nil {
		return
	}
	a := &pilot{n: n, cfg: n.cfg.Autopilot, caughtUp: map[string]time.Time{}}
	interval := a.cfg.Interval
	if interval <= 0 {
		interval = time.Second
	}
	for {
		a.reconcile(ctx)
		select {
		case <-ctx.Done():
			return
		case <-n.gossip.changes():
			// Let a burst of gossip changes settle into one pass.
			sleepCtx(ctx, 100*time.Millisecond)
		case <-time.After(interval):
		}
	}
}

// pilot is one term's autopilot state.
type pilot struct {
	n   *Node
	cfg AutopilotConfig
	// caughtUp is when each non-voter was first seen caught up.
	caughtUp map[string]time.Time
}

// reconcile makes one pass; a failed step is logged and retried next pass.
func (a *pilot) reconcile(ctx context.Context) {
	r := a.n.store.Raft()
	f := r.GetConfiguration()
	if f.Error() != nil || r.State() != raft.Leader {
		return
	}
	conf := f.Configuration()
	a.addNewPeers(conf)
	a.registerAPIAddrs(ctx, conf)
	a.adjustSuffrage(ctx, conf)
	if a.cfg.DeadPeerTimeout > 0 {
		a.removeDeadPeers(conf)
	}
}

// addNewPeers adds peers that gossip shows alive and Raft does not know,
// as non-voters.
func (a *pilot) addNewPeers(conf raft.Configuration) {
	known := serverIDs(conf)
	for _, p := range a.n.gossip.servers() {
		if known[p.ID] || p.State != memberlist.StateAlive || p.Meta.Raft == "" || a.n.removedSince(p.ID, p.Since) {
			continue
		}
		a.n.logger.Info("adding peer as a non-voter", "peer", p.ID, "raft", p.Meta.Raft)
		err := a.n.store.Raft().AddNonvoter(raft.ServerID(p.ID), raft.ServerAddress(p.Meta.Raft), 0, autopilotCallTimeout).Error()
		if err != nil {
			a.n.logger.Warn("adding peer failed", "peer", p.ID, "err", err)
		}
	}
}

// registerAPIAddrs records the API address of every member gossip shows.
func (a *pilot) registerAPIAddrs(ctx context.Context, conf raft.Configuration) {
	members, err := a.n.fsm.Members()
	if err != nil {
		return
	}
	for _, s := range conf.Servers {
		p, ok := a.n.gossip.peer(string(s.ID))
		if !ok || p.State != memberlist.StateAlive || p.Meta.API == "" || members[p.ID] == p.Meta.API {
			continue
		}
		op := &pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: p.ID, MemberApiAddr: p.Meta.API}
		if err := a.n.proposeOne(ctx, op); err != nil {
			a.n.logger.Warn("recording a member's API address failed", "peer", p.ID, "err", err)
		}
	}
}

// adjustSuffrage promotes caught-up non-voters, demotes lagging voters
// that were wiped, and records the instance of each voter that holds
// data.
func (a *pilot) adjustSuffrage(ctx context.Context, conf raft.Configuration) {
	r := a.n.store.Raft()
	voters := countVoters(conf)
	recorded, err := a.n.fsm.MemberInstances()
	if err != nil {
		return
	}
	for _, s := range conf.Servers {
		id := string(s.ID)
		if id == a.n.cfg.ID {
			// The leader holds the data: record it too, or a leader that
			// was later wiped would rejoin with no instance recorded.
			a.recordInstance(ctx, peerState{ID: id, Meta: a.n.gossip.ownMeta()}, recorded[id])
			continue
		}
		p, ok := a.n.gossip.peer(id)
		if !ok || p.State != memberlist.StateAlive {
			delete(a.caughtUp, id)
			continue
		}
		if s.Suffrage == raft.Voter && !p.Meta.Fresh {
			// It started with its data: this instance holds it.
			a.recordInstance(ctx, p, recorded[id])
			continue
		}
		applied, known := a.applied(ctx, p)
		lagging := known && applied+a.cfg.MaxLag < r.LastIndex()
		if known && s.Suffrage == raft.Voter && recorded[id] == "" && applied > 0 {
			// A new member's first data (wiped members have a record).
			a.recordInstance(ctx, p, "")
		}
		switch {
		case !known:
			delete(a.caughtUp, id)
		case s.Suffrage == raft.Nonvoter && !lagging:
			if a.caughtUp[id].IsZero() {
				a.caughtUp[id] = time.Now()
			}
			if time.Since(a.caughtUp[id]) >= a.cfg.PromoteAfter && voters < a.cfg.MaxVoters {
				a.n.logger.Info("promoting caught-up peer to voter", "peer", id)
				if err := r.AddVoter(s.ID, s.Address, 0, autopilotCallTimeout).Error(); err != nil {
					a.n.logger.Warn("promotion failed", "peer", id, "err", err)
					continue
				}
				voters++
			}
		case s.Suffrage == raft.Nonvoter:
			delete(a.caughtUp, id)
		case s.Suffrage == raft.Voter && lagging && wipedVoter(recorded[id], p.Meta.Instance):
			a.n.logger.Warn("demoting a voter that restarted with an empty log until it catches up", "peer", id)
			if err := r.DemoteVoter(s.ID, 0, autopilotCallTimeout).Error(); err != nil {
				a.n.logger.Warn("demotion failed", "peer", id, "err", err)
				continue
			}
			voters--
		}
	}
}

// wipedVoter reports whether a voter that started with an empty log
// (Fresh) lost data it held: an earlier instance of it was recorded
// holding data. A voter whose own instance was recorded, or none was,
// started empty as a new member and only lags; its vote vouches for what
// its log holds. A peer that reports no instance (an older version) is
// taken to be wiped, as before instances existed.
func wipedVoter(recorded, instance string) bool {
	return instance == "" || (recorded != "" && recorded != instance)
}

// recordInstance records p's instance as the one holding its data, unless
// it is already recorded or p reports none.
func (a *pilot) recordInstance(ctx context.Context, p peerState, recorded string) {
	if p.Meta.Instance == "" || p.Meta.Instance == recorded {
		return
	}
	op := &pb.Op{Type: pb.OpType_SET_MEMBER, MemberId: p.ID, MemberInstance: p.Meta.Instance}
	if err := a.n.proposeOne(ctx, op); err != nil {
		a.n.logger.Warn("recording a member's instance failed", "peer", p.ID, "err", err)
	}
}

// applied asks a peer's API how far it has applied the log; known is
// false when it did not answer. Applied, not merely logged: a peer whose
// log is complete may still be applying a long backlog, and would serve
// stale reads and make a slow leader until it has.
func (a *pilot) applied(ctx context.Context, p peerState) (applied uint64, known bool) {
	if p.Meta.API == "" {
		return 0, false
	}
	ctx, cancel := context.WithTimeout(ctx, autopilotCallTimeout)
	defer cancel()
	st, err := a.n.api.PeerStatus(ctx, p.Meta.API)
	if err != nil {
		return 0, false
	}
	return st.AppliedIndex, true
}

// removeDeadPeers removes peers gone longer than DeadPeerTimeout while the
// live voters remain a majority without them.
func (a *pilot) removeDeadPeers(conf raft.Configuration) {
	voters, alive := countVoters(conf), 0
	for _, s := range conf.Servers {
		if p, ok := a.n.gossip.peer(string(s.ID)); s.Suffrage == raft.Voter && ok && p.State == memberlist.StateAlive {
			alive++
		}
	}
	for _, s := range conf.Servers {
		p, ok := a.n.gossip.peer(string(s.ID))
		if !ok || string(s.ID) == a.n.cfg.ID || !gone(p) || time.Since(p.Since) < a.cfg.DeadPeerTimeout {
			continue
		}
		if s.Suffrage == raft.Voter && alive < (voters-1)/2+1 {
			a.n.logger.Warn("not removing a dead peer: the live voters would not be a majority", "peer", p.ID)
			continue
		}
		a.n.logger.Warn("removing a peer gossip has seen dead", "peer", p.ID, "since", p.Since)
		if err := a.n.store.Raft().RemoveServer(s.ID, 0, autopilotCallTimeout).Error(); err != nil {
			a.n.logger.Warn("removing a dead peer failed", "peer", p.ID, "err", err)
			return
		}
		if s.Suffrage == raft.Voter {
			voters--
		}
	}
}

// gone reports whether gossip considers a peer dead or departed.
func gone(p peerState) bool {
	return p.State == memberlist.StateDead || p.State == memberlist.StateLeft
}

// serverIDs is the set of ids in a configuration.
func serverIDs(conf raft.Configuration) map[string]bool {
	ids := make(map[string]bool, len(conf.Servers))
	for _, s := range conf.Servers {
		ids[string(s.ID)] = true
	}
	return ids
}

func countVoters(conf raft.Configuration) int {
	v := 0
	for _, s := range conf.Servers {
		if s.Suffrage == raft.Voter {
			v++
		}
	}
	return v
}

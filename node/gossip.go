package node

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// Gossip, on hashicorp/memberlist. Control-plane peers find each other
// through it: each advertises its Raft and API addresses in its gossip
// metadata, the leader adds peers it sees to Raft (autopilot.go), and
// --bootstrap-expect forms a fresh cluster from the peers gossip shows
// (bootstrap.go). Liveness from gossip never costs a Raft write.

// roleServer marks a control-plane peer in gossip metadata (agents will
// gossip too, with their own role).
const roleServer = "server"

// gossipMeta is what a peer advertises to the others. It must fit
// memberlist's 512-byte metadata limit.
type gossipMeta struct {
	Role string `json:"role"`
	Raft string `json:"raft"`
	API  string `json:"api"`
	// Expect is the peer's --bootstrap-expect (0 when not forming).
	Expect int `json:"expect,omitempty"`
	// Member is set once the peer holds Raft state: it belongs to a
	// cluster, so no one may bootstrap a new one with it.
	Member bool `json:"member,omitempty"`
	// Forming is set while the peer is about to bootstrap a new cluster
	// (bootstrap.go): no other peer may bootstrap meanwhile.
	Forming bool `json:"forming,omitempty"`
	// Fresh is set when the peer started with an empty Raft log, which a
	// leader must not count on as a voter before it has caught up.
	Fresh bool `json:"fresh,omitempty"`
	// Instance is a random id the peer draws each time it starts. The
	// leader records it once the peer holds data (autopilot.go): a Fresh
	// peer whose instance differs from the recorded one was wiped, one
	// with the same instance only lags.
	Instance string `json:"instance,omitempty"`
	// Leaving is set just before the peer leaves gossip on purpose, so
	// that the others tell a departure from a failure: memberlist reports
	// both as a leave.
	Leaving bool `json:"leaving,omitempty"`
}

// peerState is one gossip member as this node sees it.
type peerState struct {
	ID    string
	Addr  string
	Meta  gossipMeta
	State memberlist.NodeStateType
	// Since is when State last changed, as this node saw it.
	Since time.Time
}

// gossipStateName is how `cluster members` shows a gossip state.
func gossipStateName(s memberlist.NodeStateType) string {
	switch s {
	case memberlist.StateAlive:
		return "alive"
	case memberlist.StateSuspect:
		return "suspect"
	case memberlist.StateDead:
		return "dead"
	case memberlist.StateLeft:
		return "left"
	}
	return "unknown"
}

// gossip runs this node's memberlist and tracks the peers it sees.
type gossip struct {
	ml     *memberlist.Memberlist
	self   string
	addr   string
	logger *slog.Logger

	leaveOnce sync.Once
	// stopping quiets memberlist's complaints about its own shutdown.
	stopping atomic.Bool

	mu    sync.Mutex
	meta  gossipMeta
	peers map[string]*peerState
	// changed is closed and replaced whenever a peer comes, goes or
	// changes its metadata.
	changed chan struct{}
}

// startGossip joins nothing yet: it only listens on addr as id.
func startGossip(id, addr string, meta gossipMeta, logger *slog.Logger) (*gossip, error) {
	host, port, err := splitAddr("gossip", addr)
	if err != nil {
		return nil, err
	}
	g := &gossip{self: id, logger: logger, meta: meta, peers: map[string]*peerState{}, changed: make(chan struct{})}
	c := memberlist.DefaultLANConfig()
	c.Name, c.BindAddr, c.BindPort = id, host, port
	c.AdvertisePort = port
	// A silent peer is suspected after a failed probe and declared dead
	// when the suspicion times out: SuspicionMult (4) probe intervals when
	// others confirm it, up to SuspicionMaxTimeoutMult times that when
	// none can, as in a 3-node cluster. memberlist's 6 would take ~25 s
	// there; 2 declares a dead peer within ~10 s, while a peer paused for
	// a few seconds (shorter than the 4 s minimum) is never declared dead.
	c.SuspicionMaxTimeoutMult = 2
	c.Delegate, c.Events = g, g
	c.Logger = newMemberlistLogger(logger, &g.stopping)
	if g.ml, err = memberlist.Create(c); err != nil {
		return nil, fmt.Errorf("gossip on %s: %w", addr, err)
	}
	// Create replaced port 0 with the port it bound.
	g.addr = net.JoinHostPort(host, strconv.Itoa(c.BindPort))
	return g, nil
}

// Addr is where this node gossips (the actual port when 0 was asked for).
func (g *gossip) Addr() string { return g.addr }

// join contacts the given peers; it succeeds when at least one answered.
func (g *gossip) join(addrs []string) error {
	if len(addrs) == 0 {
		return nil
	}
	n, err := g.ml.Join(addrs)
	if n > 0 {
		return nil
	}
	return err
}

// ownMeta is what this node advertises.
func (g *gossip) ownMeta() gossipMeta {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.meta
}

// setMeta changes what this node advertises and spreads it.
func (g *gossip) setMeta(f func(*gossipMeta)) {
	g.mu.Lock()
	before := g.meta
	f(&g.meta)
	same := before == g.meta
	g.mu.Unlock()
	if !same {
		if err := g.ml.UpdateNode(time.Second); err != nil {
			g.logger.Warn("spreading gossip metadata", "err", err)
		}
	}
}

// leave tells the others this node goes, then stops gossiping. Later
// calls do nothing.
func (g *gossip) leave(timeout time.Duration) {
	g.leaveOnce.Do(func() {
		g.stopping.Store(true)
		if timeout > 0 {
			g.setMeta(func(m *gossipMeta) { m.Leaving = true })
		}
		if err := g.ml.Leave(timeout); err != nil {
			// Normal when every peer stops at once: no one is left to
			// pass the goodbye on; they will see this node as dead.
			g.logger.Info("no peer confirmed this node's departure from gossip", "err", err)
		}
		if err := g.ml.Shutdown(); err != nil {
			g.logger.Warn("stopping gossip", "err", err)
		}
	})
}

// servers returns the control-plane peers gossip knows, sorted by id,
// including this node and peers no longer alive.
func (g *gossip) servers() []peerState {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []peerState
	for _, p := range g.peers {
		if p.Meta.Role == roleServer {
			out = append(out, *p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// peer returns one peer's state.
func (g *gossip) peer(id string) (peerState, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p, ok := g.peers[id]
	if !ok {
		return peerState{}, false
	}
	return *p, true
}

// changes returns a channel closed at the next change of the peer set.
func (g *gossip) changes() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.changed
}

// NodeMeta implements memberlist.Delegate.
func (g *gossip) NodeMeta(limit int) []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	b, _ := json.Marshal(g.meta)
	if len(b) > limit {
		g.logger.Error("gossip metadata too large", "bytes", len(b), "limit", limit)
		return nil
	}
	return b
}

// NotifyMsg, GetBroadcasts, LocalState and MergeRemoteState implement
// memberlist.Delegate: peers exchange nothing but their metadata.
func (g *gossip) NotifyMsg([]byte)                           {}
func (g *gossip) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (g *gossip) LocalState(join bool) []byte                { return nil }
func (g *gossip) MergeRemoteState(buf []byte, join bool)     {}

// NotifyJoin, NotifyLeave and NotifyUpdate implement
// memberlist.EventDelegate. memberlist calls them one at a time, holding
// its own locks: they must not block or call back into memberlist. The
// Node they get does not carry the new state (memberlist keeps it
// elsewhere), so the callback says which it is.
func (g *gossip) NotifyJoin(n *memberlist.Node)   { g.record(n, false) }
func (g *gossip) NotifyUpdate(n *memberlist.Node) { g.record(n, false) }
func (g *gossip) NotifyLeave(n *memberlist.Node)  { g.record(n, true) }

func (g *gossip) record(n *memberlist.Node, gone bool) {
	var meta gossipMeta
	if err := json.Unmarshal(n.Meta, &meta); err != nil && len(n.Meta) > 0 {
		g.logger.Warn("unreadable gossip metadata", "peer", n.Name, "err", err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.peers[n.Name]
	if p == nil {
		p = &peerState{ID: n.Name}
		g.peers[n.Name] = p
	}
	state := memberlist.StateAlive
	if gone {
		state = memberlist.StateDead
		if meta.Leaving || p.Meta.Leaving {
			state = memberlist.StateLeft
		}
	}
	if p.State != state || p.Since.IsZero() {
		p.Since = time.Now()
		if p.ID != g.self {
			g.logger.Info("gossip peer", "peer", n.Name, "state", gossipStateName(state))
		}
	}
	p.Addr, p.Meta, p.State = n.Address(), meta, state
	close(g.changed)
	g.changed = make(chan struct{})
}

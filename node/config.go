package node

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/drover/drover/raftstore"
)

// Default addresses.
const (
	DefaultAPIAddr    = "127.0.0.1:7700"
	DefaultRaftAddr   = "127.0.0.1:7701"
	DefaultGossipAddr = "127.0.0.1:7702"
	DefaultNATSAddr   = "127.0.0.1:7703"
	DefaultHTTPAddr   = "127.0.0.1:7704"
	DefaultDataDir    = "drover-data"
	DefaultID         = "node1"
)

// Config configures one control-plane node.
type Config struct {
	// ID is this node's Raft id, unique in the cluster.
	ID string
	// DataDir holds the Raft log, snapshots and the FSM's bbolt file.
	DataDir string
	// APIAddr is where the gRPC API listens (HOST:PORT).
	APIAddr string
	// RaftAddr is where the Raft transport listens (HOST:PORT); peers must
	// be able to reach it at this address.
	RaftAddr string
	// HTTPAddr serves health, metrics and profiles; empty disables it.
	HTTPAddr string
	// Peers is the static initial cluster, this node included; empty means
	// a single-node cluster, unless Join or BootstrapExpect is set.
	Peers []raftstore.Peer

	// GossipAddr is where memberlist listens (TCP and UDP); empty
	// disables gossip, and with it discovery and autopilot.
	GossipAddr string
	// Join lists gossip addresses of peers to join. With no Raft state,
	// no Peers and no BootstrapExpect, the node waits for the cluster's
	// leader to add it.
	Join []string
	// BootstrapExpect forms a new cluster once this many peers see each
	// other in gossip (bootstrap.go); 0 disables it.
	BootstrapExpect int
	// Autopilot: how the leader manages the Raft configuration from gossip.
	Autopilot AutopilotConfig

	// NATSAddr is where the embedded NATS server listens; empty runs none
	// (and publishes no events unless NATSURL is set).
	NATSAddr string
	// NATSURL publishes to an existing NATS instead of an embedded one
	// (credentials in the URL).
	NATSURL string

	// HistoryMaxEvents and HistoryMaxAge bound the watch history; the
	// leader compacts older events every CompactInterval. A short interval
	// keeps each COMPACT small: every replica's apply loop waits while one
	// deletes.
	HistoryMaxEvents int
	HistoryMaxAge    time.Duration
	CompactInterval  time.Duration

	// WatchBuffer is how many committed batches a watch may lag before it
	// refills from the history instead (0: the default).
	WatchBuffer int

	// FSMSync fsyncs every FSM commit instead of relying on the Raft log
	// (see DESIGN.md "Durability").
	FSMSync bool

	// Raft holds snapshot and timing settings; its ID, Dir, BindAddr,
	// Peers and Logger are filled from the fields above.
	Raft raftstore.RaftConfig

	Logger *slog.Logger
}

// DefaultConfig returns a working single-node configuration.
func DefaultConfig() Config {
	return Config{
		ID:               DefaultID,
		DataDir:          DefaultDataDir,
		APIAddr:          DefaultAPIAddr,
		RaftAddr:         DefaultRaftAddr,
		HTTPAddr:         DefaultHTTPAddr,
		GossipAddr:       DefaultGossipAddr,
		NATSAddr:         DefaultNATSAddr,
		Autopilot:        DefaultAutopilotConfig(),
		HistoryMaxEvents: 100000,
		HistoryMaxAge:    time.Hour,
		CompactInterval:  time.Second,
		Raft:             raftstore.DefaultRaftConfig(),
		Logger:           slog.Default(),
	}
}

// Validate reports the first problem with the configuration.
func (c Config) Validate() error {
	switch {
	case c.ID == "":
		return errors.New("node id is required")
	case c.DataDir == "":
		return errors.New("data dir is required")
	case c.HistoryMaxEvents <= 0:
		return errors.New("history max events must be positive")
	case c.CompactInterval <= 0:
		return errors.New("compact interval must be positive")
	case c.Raft.SnapshotLogRatio < 0:
		return errors.New("snapshot log ratio must not be negative")
	case c.Raft.SnapshotInterval <= 0:
		return errors.New("snapshot interval must be positive")
	case c.BootstrapExpect < 0:
		return errors.New("bootstrap-expect must not be negative")
	case c.BootstrapExpect > 0 && len(c.Peers) > 0:
		return errors.New("give either a static peer list or bootstrap-expect, not both")
	case (c.BootstrapExpect > 0 || len(c.Join) > 0) && c.GossipAddr == "":
		return errors.New("join and bootstrap-expect need gossip (a gossip address)")
	case c.Autopilot.MaxVoters < 1:
		return errors.New("max voters must be at least 1")
	}
	addrs := []string{c.APIAddr, c.RaftAddr}
	for _, a := range []string{c.GossipAddr, c.NATSAddr} {
		if a != "" {
			addrs = append(addrs, a)
		}
	}
	for _, a := range append(addrs, c.Join...) {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("address %q: %w", a, err)
		}
	}
	return c.validatePeers()
}

func (c Config) validatePeers() error {
	if len(c.Peers) == 0 {
		return nil
	}
	seen := map[string]bool{}
	self := false
	for _, p := range c.Peers {
		if p.ID == "" || p.Addr == "" || seen[p.ID] {
			return fmt.Errorf("peers: bad or duplicate entry %q=%q", p.ID, p.Addr)
		}
		seen[p.ID] = true
		self = self || p.ID == c.ID
	}
	if !self {
		return fmt.Errorf("peers must include this node (%s)", c.ID)
	}
	return nil
}

// splitAddr splits a HOST:PORT listen address; what names it in errors.
func splitAddr(what, addr string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("%s address %q: %w", what, addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return "", 0, fmt.Errorf("%s address %q: bad port", what, addr)
	}
	return host, port, nil
}

// discovers reports whether the node finds its cluster through gossip
// rather than bootstrapping one by itself at start.
func (c Config) discovers() bool {
	return c.BootstrapExpect > 0 || (len(c.Join) > 0 && len(c.Peers) == 0)
}

// ParsePeers parses "ID=HOST:PORT,ID=HOST:PORT".
func ParsePeers(s string) ([]raftstore.Peer, error) {
	var peers []raftstore.Peer
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		id, addr, ok := strings.Cut(item, "=")
		if !ok || id == "" || addr == "" {
			return nil, fmt.Errorf("peer %q: want ID=HOST:PORT", item)
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return nil, fmt.Errorf("peer %q: %w", item, err)
		}
		peers = append(peers, raftstore.Peer{ID: id, Addr: addr})
	}
	return peers, nil
}

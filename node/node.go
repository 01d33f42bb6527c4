package node

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"google.golang.org/grpc"

	"github.com/drover/drover/apiserver"
	"github.com/drover/drover/raftstore"
	"github.com/drover/drover/raftstore/failpoint"
)

// maxRequestBytes lets an oversized object reach validation, which rejects
// it with a clear message, instead of failing in gRPC's framing.
const maxRequestBytes = 16 << 20

// Node is one running control-plane peer.
type Node struct {
	cfg    Config
	logger *slog.Logger
	fsm    *raftstore.FSM
	store  *raftstore.Store
	hub    *apiserver.Hub
	api    *apiserver.Server
	grpc   *grpc.Server
	lis    net.Listener
	http   *http.Server
	// gossip is nil when GossipAddr is empty.
	gossip *gossip
	// natsServer is the embedded NATS server (nil with NATSURL or none);
	// natsConn publishes events to it or to NATSURL (nil when neither).
	natsServer *embeddedNATS
	natsConn   *nats.Conn
	// feed passes this node's batches from NATS to the hub (nil without
	// NATS).
	feed *watchFeed

	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	// removedAt records when this node removed each peer (id → time).
	removedAt sync.Map

	// handingOff is set while this node hands its leadership over
	// (membership.go): the API then treats it as not leading.
	handingOff atomic.Bool
}

// Start opens the data dir, starts Raft and serves the API. It returns once
// the node listens; leadership is settled in the background.
func Start(cfg Config) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// Failpoints named in the environment are armed before anything
	// opens, so that a node can fail during its own start and restore.
	if err := failpoint.SetFromEnv(); err != nil {
		return nil, err
	}
	n := &Node{cfg: cfg, logger: cfg.Logger.With("node", cfg.ID), hub: apiserver.NewHub(cfg.WatchBuffer)}
	if err := n.open(); err != nil {
		n.closeParts()
		return nil, err
	}
	if err := n.startHTTP(); err != nil {
		n.closeParts()
		return nil, fmt.Errorf("http listener: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	n.goAll(ctx, n.serve, n.monitorLeadership, n.prefetchLoop, n.snapshotPolicyLoop)
	if n.feed != nil {
		n.goAll(ctx, n.feed.watchStalls)
	}
	if n.gossip != nil {
		n.goAll(ctx, n.gossipLoop, n.reconnectLoop)
		if cfg.BootstrapExpect > 0 && !n.store.HadState() {
			n.goAll(ctx, n.formCluster)
		}
	}
	n.logger.Info("node started", "api", n.lis.Addr().String(), "raft", cfg.RaftAddr,
		"gossip", n.gossipAddr(), "nats", n.NATSURL(), "data", cfg.DataDir)
	return n, nil
}

// goAll runs each function in its own goroutine until Close.
func (n *Node) goAll(ctx context.Context, fs ...func(context.Context)) {
	for _, f := range fs {
		n.wg.Add(1)
		go func() { defer n.wg.Done(); f(ctx) }()
	}
}

// gossipAddr is where this node gossips, empty when it does not.
func (n *Node) gossipAddr() string {
	if n.gossip == nil {
		return ""
	}
	return n.gossip.Addr()
}

func (n *Node) open() error {
	fsmPath := FSMPath(n.cfg.DataDir)
	if err := os.MkdirAll(filepath.Dir(fsmPath), 0o700); err != nil {
		return err
	}
	// With NATS the hub's batches come through it (watch_feed.go);
	// without, straight from the FSM.
	pubs := publishers{n.hub}
	events, err := n.openNATS()
	if err != nil {
		return err
	}
	if events != nil {
		pubs = publishers{events, resetOnly{n.hub}}
		n.feed = newWatchFeed(n.natsConn, n.cfg.ID, n.hub, events.published.Load, n.logger.With("component", "watch-feed"))
		n.hub.SetDemand(n.feed.demand)
	}
	fsm, err := raftstore.OpenFSM(raftstore.FSMConfig{Path: fsmPath,
		Logger: n.logger.With("component", "fsm"), Publisher: pubs, Sync: n.cfg.FSMSync})
	if err != nil {
		return fmt.Errorf("open state: %w", err)
	}
	n.fsm = fsm
	if events != nil {
		events.Reset(fsm.AppliedIndex())
	}
	if n.lis, err = net.Listen("tcp", n.cfg.APIAddr); err != nil {
		return fmt.Errorf("api listener: %w", err)
	}
	rc := n.cfg.Raft
	rc.ID, rc.Dir, rc.BindAddr, rc.Peers = n.cfg.ID, RaftDir(n.cfg.DataDir), n.cfg.RaftAddr, n.cfg.Peers
	rc.Logger, rc.NoBootstrap = n.logger, n.cfg.discovers()
	if n.store, err = raftstore.OpenStore(rc, fsm); err != nil {
		return fmt.Errorf("start raft: %w", err)
	}
	if n.cfg.GossipAddr != "" {
		meta := gossipMeta{Role: roleServer, Raft: n.cfg.RaftAddr, API: n.advertisedAPI(),
			Expect: n.cfg.BootstrapExpect, Member: n.store.HadState(), Fresh: !n.store.HadState(),
			Instance: rand.Text()}
		if n.gossip, err = startGossip(n.cfg.ID, n.cfg.GossipAddr, meta, n.logger); err != nil {
			return err
		}
	}
	n.api = apiserver.New(apiserver.Config{NodeID: n.cfg.ID, Store: gatedStore{n.store, n}, State: fsm, Hub: n.hub,
		Status: n.status, Membership: n, Logger: n.logger.With("component", "apiserver")})
	n.grpc = grpc.NewServer(append(apiserver.ServerOptions(), grpc.MaxRecvMsgSize(maxRequestBytes))...)
	n.api.Register(n.grpc)
	return nil
}

// openNATS starts the embedded NATS server (or uses NATSURL) and returns
// the publisher of applied events; nil when the node has neither.
func (n *Node) openNATS() (*natsPublisher, error) {
	url, token := n.cfg.NATSURL, ""
	var srv *server.Server // the embedded server, if any
	if url == "" && n.cfg.NATSAddr != "" {
		e, err := startNATS(n.cfg.ID, n.cfg.NATSAddr, n.cfg.DataDir, n.logger)
		if err != nil {
			return nil, err
		}
		n.natsServer = e
		url, token, srv = e.URL(), e.token, e.srv
	}
	if url == "" {
		return nil, nil
	}
	log := n.logger.With("component", "nats-publisher")
	nc, err := connectNATS(n.cfg.ID, url, token, srv, log)
	if err != nil {
		return nil, fmt.Errorf("connect to nats at %s: %w", url, err)
	}
	n.natsConn = nc
	pub := newNATSPublisher(nc, n.cfg.ID, log)
	if srv != nil {
		pub.interested = srv.GlobalAccount().SubscriptionInterest
	}
	return pub, nil
}

// NATSURL is where this node publishes its events (without credentials),
// empty when it does not.
func (n *Node) NATSURL() string {
	if n.natsConn == nil {
		return ""
	}
	return n.natsConn.ConnectedUrlRedacted()
}

func (n *Node) serve(context.Context) {
	if err := n.grpc.Serve(n.lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		n.logger.Error("api server stopped", "err", err)
	}
}

// APIAddr returns the address the API listens on (useful with port 0).
func (n *Node) APIAddr() string { return n.lis.Addr().String() }

// Store returns the node's Raft store.
func (n *Node) Store() *raftstore.Store { return n.store }

// Close stops the node. A leader first hands its leadership to another
// voter (bounded, see handOff in membership.go), so that clients see a
// short pause rather than an election after missed heartbeats; then the
// API stops (in-flight calls get a moment to finish), then leader-only
// work, Raft, and the FSM, which records a clean shutdown.
func (n *Node) Close() error {
	var err error
	n.once.Do(func() {
		n.handOff()
		if n.gossip != nil {
			n.gossip.leave(gossipLeaveTimeout)
		}
		n.stopGRPC(5 * time.Second)
		if n.http != nil {
			n.http.Close()
		}
		if n.cancel != nil {
			n.cancel()
		}
		n.wg.Wait()
		err = n.closeParts()
		n.logger.Info("node stopped")
	})
	return err
}

func (n *Node) stopGRPC(grace time.Duration) {
	if n.grpc == nil {
		return
	}
	done := make(chan struct{})
	go func() { n.grpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		n.grpc.Stop()
	}
}

func (n *Node) closeParts() error {
	var errs []error
	if n.gossip != nil {
		n.gossip.leave(0)
	}
	if n.api != nil {
		n.api.Close()
	}
	if n.store != nil {
		errs = append(errs, n.store.Shutdown())
	}
	if n.lis != nil && n.grpc == nil {
		n.lis.Close()
	}
	if n.fsm != nil {
		errs = append(errs, n.fsm.Close())
	}
	if n.natsConn != nil {
		n.natsConn.Close()
	}
	if n.natsServer != nil {
		n.natsServer.shutdown()
	}
	return errors.Join(errs...)
}

// FSMPath is where a node keeps its state (bbolt) under dataDir.
func FSMPath(dataDir string) string { return filepath.Join(dataDir, "fsm", "state.db") }

// RaftDir is where a node keeps its Raft log and snapshots under dataDir.
func RaftDir(dataDir string) string { return filepath.Join(dataDir, "raft") }

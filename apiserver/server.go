package apiserver

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/grpc"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// Replicator is the write side the API needs from the Raft store.
type Replicator interface {
	// Propose replicates a command and returns its per-op results.
	Propose(ctx context.Context, cmd *pb.Command) ([]raftstore.OpResult, uint64, error)
	// LinearizableRead waits until local state reflects every prior write.
	LinearizableRead(ctx context.Context) error
	// IsLeader reports whether this node can propose and serve
	// linearizable reads now.
	IsLeader() bool
	// Leader returns the leader's id, empty if unknown.
	Leader() (id, raftAddr string)
}

// State is the read side the API needs from the local FSM.
type State interface {
	Get(kind, namespace, name string) (*pb.Object, error)
	List(opts raftstore.ListOptions) (*raftstore.ListResult, error)
	Events(after uint64, max int) ([]*pb.Event, uint64, error)
	AppliedIndex() uint64
	WaitApplied(ctx context.Context, index uint64) error
	CompactedRevision() uint64
	Members() (map[string]string, error)
	Export(w io.Writer, begin func(revision uint64)) (revision uint64, n int64, err error)
}

// Config wires a Server.
type Config struct {
	// NodeID is this node's Raft id.
	NodeID string
	Store  Replicator
	State  State
	// Hub fans committed events out to watches; the FSM publishes into it.
	Hub *Hub
	// Status reports this node's Raft view for the Cluster service.
	Status func() *pb.StatusResponse
	Logger *slog.Logger
	// Now is the leader's clock for stamps; nil means time.Now.
	Now func() time.Time
	// LeaderWait bounds how long a request waits for a leader to be
	// elected and established before failing with Unavailable.
	LeaderWait time.Duration
	// Membership changes the Raft configuration for RemoveMember and
	// Leave; nil answers them with Unimplemented.
	Membership Membership
}

// Server implements the Objects and Cluster gRPC services.
type Server struct {
	pb.UnimplementedObjectsServer
	pb.UnimplementedClusterServer

	cfg   Config
	peers peerConns
}

// New returns a Server; register it on a grpc.Server with Register.
func New(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LeaderWait == 0 {
		cfg.LeaderWait = 5 * time.Second
	}
	return &Server{cfg: cfg, peers: peerConns{conns: map[string]*grpc.ClientConn{}}}
}

// Register adds both services to g.
func (s *Server) Register(g *grpc.Server) {
	pb.RegisterObjectsServer(g, s)
	pb.RegisterClusterServer(g, s)
}

// Close drops the connections this server opened to its peers.
func (s *Server) Close() { s.peers.closeAll() }

// Status answers the Cluster service with this node's view.
func (s *Server) Status(context.Context, *pb.StatusRequest) (*pb.StatusResponse, error) {
	return s.cfg.Status(), nil
}

// peerConns caches one client connection per peer API address.
type peerConns struct {
	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

func (p *peerConns) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for addr, c := range p.conns {
		c.Close()
		delete(p.conns, addr)
	}
}

// PeerStatus asks the peer whose API is at addr for its own status, over
// the connection this server keeps to it for forwarding.
func (s *Server) PeerStatus(ctx context.Context, addr string) (*pb.StatusResponse, error) {
	conn, err := s.peers.get(addr)
	if err != nil {
		return nil, err
	}
	return pb.NewClusterClient(conn).Status(ctx, &pb.StatusRequest{})
}

package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/proto/wirepool"
)

// DefaultServer is the API address a client uses when none is given.
const DefaultServer = "127.0.0.1:7700"

// MaxMessageSize bounds a gRPC message either way; objects are capped at
// 1.5 MiB by the server, lists may be larger.
const MaxMessageSize = 64 << 20

// Client talks to a Drover cluster through any of its nodes. It sends each
// call to the endpoint that last answered and moves on to the next one when
// that endpoint is unreachable. A Client is safe for concurrent use.
type Client struct {
	endpoints []string
	conns     []*grpc.ClientConn

	mu      sync.Mutex
	current int
}

// New connects lazily to the given endpoints (HOST:PORT). At least one is
// required.
func New(endpoints []string) (*Client, error) {
	return NewWithDialOptions(endpoints)
}

// NewWithDialOptions is New with extra gRPC dial options, applied after the
// defaults: a custom dialer, for example, that opens its sockets in another
// network namespace (cluster-test does).
func NewWithDialOptions(endpoints []string, extra ...grpc.DialOption) (*Client, error) {
	eps := cleanEndpoints(endpoints)
	if len(eps) == 0 {
		return nil, errors.New("client: no endpoint given")
	}
	c := &Client{endpoints: eps}
	opts := append(keepaliveOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		experimental.WithBufferPool(wirepool.Shared),
		grpc.WithDefaultCallOptions(
			grpc.MaxCallRecvMsgSize(MaxMessageSize),
			grpc.MaxCallSendMsgSize(MaxMessageSize)))
	opts = append(opts, extra...)
	for _, ep := range eps {
		conn, err := grpc.NewClient(ep, opts...)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("client: endpoint %s: %w", ep, err)
		}
		c.conns = append(c.conns, conn)
	}
	return c, nil
}

// ParseEndpoints splits a comma-separated HOST:PORT list.
func ParseEndpoints(s string) []string {
	return cleanEndpoints(strings.Split(s, ","))
}

func cleanEndpoints(in []string) []string {
	var out []string
	for _, e := range in {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// Endpoints returns the endpoints this client fails over between.
func (c *Client) Endpoints() []string { return c.endpoints }

// Close closes every connection.
func (c *Client) Close() error {
	var first error
	for _, conn := range c.conns {
		if err := conn.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// retryable reports whether an error means "this endpoint could not serve
// the call" rather than an answer about the object.
func retryable(err error) bool {
	switch status.Code(err) {
	case codes.Unavailable:
		return true
	}
	return false
}

// maxUnreachableSweeps is how many times in a row every endpoint may refuse
// the connection before a call gives up: nothing is running there. While
// some node answers (an election in progress, say) calls keep retrying
// until their context ends.
const maxUnreachableSweeps = 3

// do runs call against the current endpoint, then each other endpoint in
// turn while the failure is retryable, sweeping the list until ctx ends.
//
// A write whose connection broke after it was sent may have been applied.
// Every write therefore carries a request id, the same for each retry of
// one call (requestID): the cluster remembers an id as long as its event
// history holds the write's revision (by default 100,000 events, at most an
// hour back) and answers a retry of an applied write with its
// first outcome (the object as then stored, or the same error) instead of
// applying it again, so a retried create does not answer AlreadyExists.
func (c *Client) do(ctx context.Context, call func(conn *grpc.ClientConn) error) error {
	c.mu.Lock()
	start := c.current
	c.mu.Unlock()
	backoff := 20 * time.Millisecond
	unreachable, sweeps := true, 0
	for attempt := 0; ; attempt++ {
		i := (start + attempt) % len(c.conns)
		err := call(c.conns[i])
		if err == nil || !retryable(err) {
			if err == nil {
				c.mu.Lock()
				c.current = i
				c.mu.Unlock()
			}
			return err
		}
		unreachable = unreachable && isDialError(err)
		if (attempt+1)%len(c.conns) != 0 {
			continue
		}
		if sweeps++; unreachable && sweeps >= maxUnreachableSweeps {
			return err
		}
		unreachable = true
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		// Servers already hold requests while an election runs, so
		// this only paces endpoints that fail fast: keep it short.
		backoff = min(backoff*2, 100*time.Millisecond)
	}
}

// isDialError reports a call that never reached a server.
func isDialError(err error) bool {
	return status.Code(err) == codes.Unavailable && strings.Contains(status.Convert(err).Message(), "dialing")
}

type requestIDKey struct{}

// WithRequestID returns a context whose writes (Create, Update,
// UpdateStatus, Delete) carry id as their request id instead of a fresh
// one, so that a caller can retry a write itself across calls, or across
// restarts, and still have it applied at most once. An id is remembered as
// long as the server's event history holds the write's revision (by default
// the last 100,000 events, at most an hour back), and is at most 128 bytes.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// requestID is the id of one write call: the caller's (the request's own,
// else WithRequestID's), else 16 random bytes in hex. Every retry of the
// call reuses it.
func requestID(ctx context.Context, own string) string {
	if own != "" {
		return own
	}
	if id, ok := ctx.Value(requestIDKey{}).(string); ok && id != "" {
		return id
	}
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24)
	return hex.EncodeToString(b[:])
}

// Create stores a new object and returns it as stored.
func (c *Client) Create(ctx context.Context, obj *pb.Object) (*pb.Object, error) {
	var out *pb.Object
	req := &pb.CreateRequest{Object: obj, RequestId: requestID(ctx, "")}
	err := c.do(ctx, func(conn *grpc.ClientConn) (err error) {
		out, err = pb.NewObjectsClient(conn).Create(ctx, req)
		return err
	})
	return out, err
}

// Get returns one object; stale reads are served by the answering node
// without a leadership check.
func (c *Client) Get(ctx context.Context, req *pb.GetRequest) (*pb.Object, error) {
	var out *pb.Object
	err := c.do(ctx, func(conn *grpc.ClientConn) (err error) {
		out, err = pb.NewObjectsClient(conn).Get(ctx, req)
		return err
	})
	return out, err
}

// List returns one page of objects.
func (c *Client) List(ctx context.Context, req *pb.ListRequest) (*pb.ListResponse, error) {
	var out *pb.ListResponse
	err := c.do(ctx, func(conn *grpc.ClientConn) (err error) {
		out, err = pb.NewObjectsClient(conn).List(ctx, req)
		return err
	})
	return out, err
}

// Update replaces an object's metadata and body; a non-zero
// metadata.resourceVersion is a precondition.
func (c *Client) Update(ctx context.Context, obj *pb.Object) (*pb.Object, error) {
	var out *pb.Object
	req := &pb.UpdateRequest{Object: obj, RequestId: requestID(ctx, "")}
	err := c.do(ctx, func(conn *grpc.ClientConn) (err error) {
		out, err = pb.NewObjectsClient(conn).Update(ctx, req)
		return err
	})
	return out, err
}

// UpdateStatus replaces an object's status.
func (c *Client) UpdateStatus(ctx context.Context, obj *pb.Object) (*pb.Object, error) {
	var out *pb.Object
	req := &pb.UpdateRequest{Object: obj, RequestId: requestID(ctx, "")}
	err := c.do(ctx, func(conn *grpc.ClientConn) (err error) {
		out, err = pb.NewObjectsClient(conn).UpdateStatus(ctx, req)
		return err
	})
	return out, err
}

// Delete removes an object (or marks it for deletion while it has
// finalizers) and returns its last state. req is not modified: its
// request_id is used when set, else one is chosen for this call.
func (c *Client) Delete(ctx context.Context, req *pb.DeleteRequest) (*pb.Object, error) {
	var out *pb.Object
	if id := requestID(ctx, req.GetRequestId()); id != req.GetRequestId() {
		r := proto.CloneOf(req)
		r.RequestId = id
		req = r
	}
	err := c.do(ctx, func(conn *grpc.ClientConn) (err error) {
		out, err = pb.NewObjectsClient(conn).Delete(ctx, req)
		return err
	})
	return out, err
}

// Watch opens a watch stream on the first endpoint that accepts it. The
// stream ends with ctx; a broken stream is the caller's to resume from the
// last revision it saw. It receives the events in WatchBatches messages and
// hands them out one by one (watch_batches.go).
func (c *Client) Watch(ctx context.Context, req *pb.WatchRequest) (pb.Objects_WatchClient, error) {
	var out pb.Objects_WatchClient
	err := c.do(ctx, func(conn *grpc.ClientConn) error {
		batches, err := pb.NewObjectsClient(conn).WatchBatches(ctx, req)
		if err != nil {
			return err
		}
		out = &batchWatch{ClientStream: batches, ctx: ctx, conn: conn, req: req, batches: batches}
		return nil
	})
	return out, err
}

// Status reports the Raft state of the node that answers.
func (c *Client) Status(ctx context.Context) (*pb.StatusResponse, error) {
	var out *pb.StatusResponse
	err := c.do(ctx, func(conn *grpc.ClientConn) (err error) {
		out, err = pb.NewClusterClient(conn).Status(ctx, &pb.StatusRequest{})
		return err
	})
	return out, err
}

// StatusOf asks one specific endpoint (by index in Endpoints) for its status,
// without failing over.
func (c *Client) StatusOf(ctx context.Context, i int) (*pb.StatusResponse, error) {
	return pb.NewClusterClient(c.conns[i]).Status(ctx, &pb.StatusRequest{})
}

// PreferLeader asks the endpoints which node leads and sends later calls to
// it first, so that writes and linearizable reads skip the forwarding hop.
// Calls still fail over as usual when it goes away. It returns false when
// the leader's API address is not among the endpoints.
func (c *Client) PreferLeader(ctx context.Context) (bool, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return false, err
	}
	for i, ep := range c.endpoints {
		if ep == st.LeaderApiAddr {
			c.mu.Lock()
			c.current = i
			c.mu.Unlock()
			return true, nil
		}
	}
	return false, nil
}

// RemoveMember removes a peer from the Raft configuration (any node takes
// it; followers forward to the leader) and returns the leader's status.
func (c *Client) RemoveMember(ctx context.Context, id string) (*pb.StatusResponse, error) {
	var out *pb.StatusResponse
	err := c.do(ctx, func(conn *grpc.ClientConn) (err error) {
		out, err = pb.NewClusterClient(conn).RemoveMember(ctx, &pb.RemoveMemberRequest{Id: id})
		return err
	})
	return out, err
}

// TransferLeadership moves leadership to the voter with Raft id to, or to
// the most up-to-date other voter when to is empty (any node takes it;
// followers forward to the leader). It returns once another node leads,
// with the former leader's status: Id is the former leader, LeaderId the
// new one.
func (c *Client) TransferLeadership(ctx context.Context, to string) (*pb.StatusResponse, error) {
	var out *pb.StatusResponse
	req := &pb.TransferLeadershipRequest{To: to}
	err := c.do(ctx, func(conn *grpc.ClientConn) (err error) {
		out, err = pb.NewClusterClient(conn).TransferLeadership(ctx, req)
		return err
	})
	return out, err
}

// Leave asks the node at the first endpoint to leave the cluster, without
// failing over: leaving is about that node.
func (c *Client) Leave(ctx context.Context) (*pb.StatusResponse, error) {
	return pb.NewClusterClient(c.conns[0]).Leave(ctx, &pb.LeaveRequest{})
}

// Snapshot opens a stream of the cluster's state on the first endpoint
// that accepts it.
func (c *Client) Snapshot(ctx context.Context) (pb.Cluster_SnapshotClient, error) {
	var out pb.Cluster_SnapshotClient
	err := c.do(ctx, func(conn *grpc.ClientConn) (err error) {
		out, err = pb.NewClusterClient(conn).Snapshot(ctx, &pb.SnapshotRequest{})
		return err
	})
	return out, err
}

package apiserver

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"

	"google.golang.org/grpc"

	"github.com/drover/drover/apiserver/selector"
	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// futureRevisionWait bounds how long a read at a revision this node has not
// applied yet waits for it.
const futureRevisionWait = 3 * time.Second

// Get returns one object: from local state when stale, else after a
// linearizable read barrier on the leader.
func (s *Server) Get(ctx context.Context, req *pb.GetRequest) (*pb.Object, error) {
	info, err := pb.ResolveKind(req.GetKind())
	if err != nil {
		return nil, toStatus(err)
	}
	if !req.GetStale() {
		conn, err := s.linearizable(ctx)
		if err != nil {
			return nil, toStatus(err)
		}
		if conn != nil {
			return pbObjectsClient(conn).Get(forwardContext(ctx), req)
		}
	}
	ns := req.GetNamespace()
	if info.Namespaced && ns == "" {
		ns = "default"
	}
	obj, err := s.cfg.State.Get(info.Kind, ns, req.GetName())
	return obj, toStatus(err)
}

// linearizable runs the read barrier here if this node leads, or returns
// the leader's connection to forward to.
func (s *Server) linearizable(ctx context.Context) (forwardTo *grpc.ClientConn, err error) {
	if plantedStaleReads && !s.cfg.Store.IsLeader() {
		return nil, nil // the planted bug: see plantedbug_on.go
	}
	conn, err := s.route(ctx)
	if err != nil || conn != nil {
		return conn, err
	}
	return nil, s.cfg.Store.LinearizableRead(ctx)
}

// List returns one page of objects at one revision. A continue token pins
// every later page to the first page's revision.
func (s *Server) List(ctx context.Context, req *pb.ListRequest) (*pb.ListResponse, error) {
	opts, err := listOptions(req)
	if err != nil {
		return nil, toStatus(err)
	}
	if !req.GetStale() && opts.Revision == 0 {
		conn, err := s.linearizable(ctx)
		if err != nil {
			return nil, toStatus(err)
		}
		if conn != nil {
			return pbObjectsClient(conn).List(forwardContext(ctx), req)
		}
	}
	if err := s.waitRevision(ctx, opts.Revision); err != nil {
		return nil, toStatus(err)
	}
	res, err := s.cfg.State.List(opts)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &pb.ListResponse{Items: res.Items, ResourceVersion: res.Revision}
	if res.NextKey != "" {
		out.ContinueToken = encodeContinue(res.Revision, res.NextKey)
	}
	return out, nil
}

// waitRevision waits, briefly, until this node has applied rev.
func (s *Server) waitRevision(ctx context.Context, rev uint64) error {
	if rev == 0 || s.cfg.State.AppliedIndex() >= rev {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, futureRevisionWait)
	defer cancel()
	if err := s.cfg.State.WaitApplied(wctx, rev); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: too large resource version %d, current %d",
			raftstore.ErrFutureRevision, rev, s.cfg.State.AppliedIndex())
	}
	return nil
}

func listOptions(req *pb.ListRequest) (raftstore.ListOptions, error) {
	info, err := pb.ResolveKind(req.GetKind())
	if err != nil {
		return raftstore.ListOptions{}, err
	}
	if req.GetLimit() < 0 {
		return raftstore.ListOptions{}, fmt.Errorf("%w: limit must not be negative", errBadRequest)
	}
	filter, err := selector.Compile(info.Kind, req.GetLabelSelector(), req.GetFieldSelector())
	if err != nil {
		return raftstore.ListOptions{}, err
	}
	opts := raftstore.ListOptions{Kind: info.Kind, Namespace: req.GetNamespace(),
		Revision: req.GetResourceVersion(), Limit: int(req.GetLimit()), Filter: filter}
	if !info.Namespaced {
		opts.Namespace = ""
	}
	if tok := req.GetContinueToken(); tok != "" {
		rev, key, err := decodeContinue(tok)
		if err != nil {
			return opts, err
		}
		opts.Revision, opts.After = rev, key
	}
	return opts, nil
}

// continueVersion tags the token format.
const continueVersion = 1

// encodeContinue packs the page's revision and last key into an opaque
// token.
func encodeContinue(rev uint64, key string) string {
	b := make([]byte, 9, 9+len(key))
	b[0] = continueVersion
	binary.BigEndian.PutUint64(b[1:], rev)
	return base64.RawURLEncoding.EncodeToString(append(b, key...))
}

func decodeContinue(tok string) (uint64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 9 || b[0] != continueVersion {
		return 0, "", fmt.Errorf("%w: malformed continue token", errBadRequest)
	}
	return binary.BigEndian.Uint64(b[1:9]), string(b[9:]), nil
}

package apiserver

import (
	"context"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/drover/drover/apiserver/validation"
	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// maxUpdateAttempts bounds the read-check-propose loop of an unconditional
// update that keeps losing to concurrent writers.
const maxUpdateAttempts = 5

// Create validates, defaults and stamps a new object, then proposes it.
func (s *Server) Create(ctx context.Context, req *pb.CreateRequest) (*pb.Object, error) {
	conn, err := s.route(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	if conn != nil {
		return pbObjectsClient(conn).Create(forwardContext(ctx), req)
	}
	obj, err := s.prepareCreate(req.GetObject())
	if err != nil {
		return nil, toStatus(err)
	}
	out, err := s.proposeOne(ctx, &pb.Op{Type: pb.OpType_CREATE, Object: obj})
	return out, toStatus(err)
}

func (s *Server) prepareCreate(in *pb.Object) (*pb.Object, error) {
	if in == nil || in.Metadata == nil {
		return nil, fmt.Errorf("%w: object and metadata are required", errBadRequest)
	}
	in = proto.Clone(in).(*pb.Object)
	if err := defaultNamespace(in); err != nil {
		return nil, err
	}
	if in.Metadata.Name == "" && in.Metadata.GenerateName != "" {
		in.Metadata.Name = in.Metadata.GenerateName + randomSuffix()
	}
	obj, err := validation.Create(in)
	if err != nil {
		return nil, err
	}
	obj.Metadata.Uid = newUID()
	obj.Metadata.CreationTimestamp = s.cfg.Now().UnixNano()
	obj.Metadata.DeletionTimestamp = 0
	obj.Metadata.Generation = 1
	return obj, nil
}

// defaultNamespace puts a namespaced object without a namespace into
// "default", as kubectl does.
func defaultNamespace(obj *pb.Object) error {
	info, err := pb.ResolveKind(obj.Kind)
	if err != nil {
		return err
	}
	if info.Namespaced && obj.Metadata.Namespace == "" {
		obj.Metadata.Namespace = "default"
	}
	return nil
}

// Update replaces metadata and body. A client that sent no resourceVersion
// gets an unconditional update: the server checks against the current
// object and proposes with that object's resourceVersion, retrying if a
// concurrent writer got in between.
func (s *Server) Update(ctx context.Context, req *pb.UpdateRequest) (*pb.Object, error) {
	return s.update(ctx, req, pb.OpType_UPDATE, validation.Update)
}

// UpdateStatus replaces the status subresource only.
func (s *Server) UpdateStatus(ctx context.Context, req *pb.UpdateRequest) (*pb.Object, error) {
	return s.update(ctx, req, pb.OpType_UPDATE_STATUS, validation.UpdateStatus)
}

type validateUpdate func(obj, old *pb.Object) (*pb.Object, error)

func (s *Server) update(ctx context.Context, req *pb.UpdateRequest, op pb.OpType, check validateUpdate) (*pb.Object, error) {
	conn, err := s.route(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	if conn != nil {
		c := pbObjectsClient(conn)
		if op == pb.OpType_UPDATE_STATUS {
			return c.UpdateStatus(forwardContext(ctx), req)
		}
		return c.Update(forwardContext(ctx), req)
	}
	in := req.GetObject()
	if in == nil || in.Metadata == nil {
		return nil, toStatus(fmt.Errorf("%w: object and metadata are required", errBadRequest))
	}
	in = proto.Clone(in).(*pb.Object)
	if err := defaultNamespace(in); err != nil {
		return nil, toStatus(err)
	}
	out, err := s.updateLoop(ctx, in, op, check)
	return out, toStatus(err)
}

func (s *Server) updateLoop(ctx context.Context, in *pb.Object, op pb.OpType, check validateUpdate) (*pb.Object, error) {
	want := in.Metadata.ResourceVersion
	for attempt := 1; ; attempt++ {
		old, err := s.cfg.State.Get(in.Kind, in.Metadata.Namespace, in.Metadata.Name)
		if err != nil {
			return nil, err
		}
		if want != 0 && old.Metadata.ResourceVersion != want {
			return nil, conflictError(in, want, old.Metadata.ResourceVersion)
		}
		obj, err := check(in, old)
		if err != nil {
			return nil, err
		}
		obj.Metadata.ResourceVersion = 0
		pre := &pb.Preconditions{ResourceVersion: old.Metadata.ResourceVersion, Uid: in.Metadata.Uid}
		out, err := s.proposeOne(ctx, &pb.Op{Type: op, Object: obj, Preconditions: pre})
		if want == 0 && errors.Is(err, raftstore.ErrConflict) && attempt < maxUpdateAttempts {
			continue
		}
		return out, err
	}
}

func conflictError(obj *pb.Object, want, current uint64) error {
	return fmt.Errorf("%w: Operation cannot be fulfilled on %s %q: the object has been modified; expected resourceVersion %d, current %d",
		raftstore.ErrConflict, pluralOf(obj.Kind), obj.Metadata.Name, want, current)
}

// Delete removes an object or, while it has finalizers, marks it for
// deletion.
func (s *Server) Delete(ctx context.Context, req *pb.DeleteRequest) (*pb.Object, error) {
	conn, err := s.route(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	if conn != nil {
		return pbObjectsClient(conn).Delete(forwardContext(ctx), req)
	}
	info, err := pb.ResolveKind(req.GetKind())
	if err != nil {
		return nil, toStatus(err)
	}
	ns := req.GetNamespace()
	if info.Namespaced && ns == "" {
		ns = "default"
	}
	key := &pb.Object{ApiVersion: info.APIVersion, Kind: info.Kind,
		Metadata: &pb.ObjectMeta{Name: req.GetName(), Namespace: ns}}
	pre := &pb.Preconditions{ResourceVersion: req.GetResourceVersion(), Uid: req.GetUid()}
	out, err := s.proposeOne(ctx, &pb.Op{Type: pb.OpType_DELETE, Object: key, Preconditions: pre})
	return out, toStatus(err)
}

// proposeOne proposes a single-op command stamped with the leader's clock.
func (s *Server) proposeOne(ctx context.Context, op *pb.Op) (*pb.Object, error) {
	cmd := &pb.Command{Ops: []*pb.Op{op}, Timestamp: s.cfg.Now().UnixNano()}
	results, _, err := s.cfg.Store.Propose(ctx, cmd)
	if err != nil {
		return nil, err
	}
	return results[0].Object, results[0].Err
}

func pluralOf(kind string) string {
	if info, ok := pb.LookupKind(kind); ok {
		return info.Plural
	}
	return kind
}

package apiserver

import (
	"context"
	"errors"
	"fmt"

	"github.com/drover/drover/apiserver/validation"
	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// maxUpdateAttempts bounds the read-check-propose loop of an unconditional
// update that keeps losing to concurrent writers.
const maxUpdateAttempts = 5

// maxRequestIDLen bounds a client's request id, leaving room in the FSM's
// limit for the attempt suffix of an unconditional update.
const maxRequestIDLen = 128

// requestMemory is the FSM's memory of request ids (raftstore
// FSM.RequestOutcome), when State provides it.
type requestMemory interface {
	RequestOutcome(id string) (raftstore.OpResult, bool)
}

// checkRequestID rejects request ids the FSM would not take.
func checkRequestID(id string) error {
	if len(id) > maxRequestIDLen {
		return fmt.Errorf("%w: request_id of %d bytes exceeds %d", errBadRequest, len(id), maxRequestIDLen)
	}
	return nil
}

// remembered returns the outcome the FSM remembers for request id, if any.
// Checks the server makes before proposing (the object exists, the
// caller's resourceVersion is current, the change is valid against it) can
// fail on a retry only because the first try was applied: the answer is
// then the first try's outcome, not a spurious NotFound or conflict. The
// lookup follows the failed read, so a first try that read saw applied is
// remembered.
func (s *Server) remembered(id string) (raftstore.OpResult, bool) {
	m, ok := s.cfg.State.(requestMemory)
	if id == "" || !ok {
		return raftstore.OpResult{}, false
	}
	return m.RequestOutcome(id)
}

// attemptID is the request id of one attempt of an update's internal loop.
// Each attempt is its own proposal with its own definite outcome (a lost
// race is a remembered conflict), so each needs its own id: the first
// attempt uses the caller's id, attempt n > 1 the id + "/attempt-n". A
// retry of the whole call replays the attempts in order and gets each
// remembered outcome back, ending where the first call ended.
func attemptID(id string, attempt int) string {
	if id == "" || attempt == 1 {
		return id
	}
	return fmt.Sprintf("%s/attempt-%d", id, attempt)
}

// Create validates, defaults and stamps a new object, then proposes it.
func (s *Server) Create(ctx context.Context, req *pb.CreateRequest) (*pb.Object, error) {
	conn, err := s.route(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	if conn != nil {
		return pbObjectsClient(conn).Create(forwardContext(ctx), req)
	}
	if err := checkRequestID(req.GetRequestId()); err != nil {
		return nil, toStatus(err)
	}
	obj, err := s.prepareCreate(req.GetObject())
	if err != nil {
		return nil, toStatus(err)
	}
	// A retry stamps a new uid (and name, for generateName); the FSM
	// answers it with the first try's object if it remembers the id.
	out, err := s.proposeOne(ctx, &pb.Op{Type: pb.OpType_CREATE, Object: obj, RequestId: req.GetRequestId()})
	return out, toStatus(err)
}

func (s *Server) prepareCreate(in *pb.Object) (*pb.Object, error) {
	if in == nil || in.Metadata == nil {
		return nil, fmt.Errorf("%w: object and metadata are required", errBadRequest)
	}
	// in is this request's own decoded message: it is changed in place.
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
	if err := checkRequestID(req.GetRequestId()); err != nil {
		return nil, toStatus(err)
	}
	in := req.GetObject()
	if in == nil || in.Metadata == nil {
		return nil, toStatus(fmt.Errorf("%w: object and metadata are required", errBadRequest))
	}
	// in is this request's own decoded message: it is changed in place.
	if err := defaultNamespace(in); err != nil {
		return nil, toStatus(err)
	}
	out, err := s.updateLoop(ctx, in, op, check, req.GetRequestId())
	return out, toStatus(err)
}

func (s *Server) updateLoop(ctx context.Context, in *pb.Object, op pb.OpType, check validateUpdate, id string) (*pb.Object, error) {
	want := in.Metadata.ResourceVersion
	for attempt := 1; ; attempt++ {
		out, err := s.updateAttempt(ctx, in, op, check, attemptID(id, attempt))
		if want == 0 && errors.Is(err, raftstore.ErrConflict) && attempt < maxUpdateAttempts {
			continue
		}
		return out, err
	}
}

// updateAttempt reads the stored object, checks the change against it and
// proposes it with the stored resourceVersion as precondition.
func (s *Server) updateAttempt(ctx context.Context, in *pb.Object, op pb.OpType, check validateUpdate, id string) (*pb.Object, error) {
	want := in.Metadata.ResourceVersion
	old, err := s.cfg.State.Get(in.Kind, in.Metadata.Namespace, in.Metadata.Name)
	if err == nil && want != 0 && old.Metadata.ResourceVersion != want {
		err = conflictError(in, want, old.Metadata.ResourceVersion)
	}
	var obj *pb.Object
	if err == nil {
		obj, err = check(in, old)
	}
	if err != nil {
		if r, ok := s.remembered(id); ok {
			return r.Object, r.Err
		}
		return nil, err
	}
	obj.Metadata.ResourceVersion = 0
	pre := &pb.Preconditions{ResourceVersion: old.Metadata.ResourceVersion, Uid: in.Metadata.Uid}
	return s.proposeOne(ctx, &pb.Op{Type: op, Object: obj, Preconditions: pre, RequestId: id})
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
	if err := checkRequestID(req.GetRequestId()); err != nil {
		return nil, toStatus(err)
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
	out, err := s.proposeOne(ctx, &pb.Op{Type: pb.OpType_DELETE, Object: key, Preconditions: pre, RequestId: req.GetRequestId()})
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

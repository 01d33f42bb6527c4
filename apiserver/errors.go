package apiserver

import (
	"context"
	"errors"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/apiserver/selector"
	"github.com/drover/drover/apiserver/validation"
	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// errorCodes is the one table that turns store and validation errors into
// gRPC codes at the edge. The error's own message, which names the object
// and the values involved, becomes the status message.
var errorCodes = []struct {
	err  error
	code codes.Code
}{
	{raftstore.ErrNotFound, codes.NotFound},
	{raftstore.ErrNamespaceNotFound, codes.NotFound},
	{raftstore.ErrAlreadyExists, codes.AlreadyExists},
	{raftstore.ErrConflict, codes.Aborted},
	{raftstore.ErrNamespaceTerminating, codes.FailedPrecondition},
	{raftstore.ErrCompacted, codes.OutOfRange},
	{raftstore.ErrFutureRevision, codes.DeadlineExceeded},
	{raftstore.ErrNotLeader, codes.Unavailable},
	{raftstore.ErrClosed, codes.Unavailable},
	{raftstore.ErrOutcomeUnknown, codes.Unknown},
	{validation.ErrInvalid, codes.InvalidArgument},
	{validation.ErrTooLarge, codes.InvalidArgument},
	{selector.ErrInvalidSelector, codes.InvalidArgument},
	{errBadRequest, codes.InvalidArgument},
	{errUnavailable, codes.Unavailable},
	{context.DeadlineExceeded, codes.DeadlineExceeded},
	{context.Canceled, codes.Canceled},
}

// errBadRequest marks malformed requests (missing kind, bad token).
var errBadRequest = errors.New("bad request")

// errUnavailable marks a node that cannot serve the call now (another may).
var errUnavailable = errors.New("unavailable")

// toStatus converts an error into a gRPC status error. Errors that already
// are statuses (from a forwarded call) pass through unchanged.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	var unknownKind pb.ErrUnknownKind
	if errors.As(err, &unknownKind) {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return status.Error(e.code, err.Error())
		}
	}
	return status.Error(codes.Internal, err.Error())
}

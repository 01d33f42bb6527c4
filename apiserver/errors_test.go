package apiserver

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/apiserver/selector"
	"github.com/drover/drover/apiserver/validation"
	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
)

// documentedCodes is the mapping errors.go documents, written out
// independently of its table.
var documentedCodes = map[error]codes.Code{
	raftstore.ErrNotFound:             codes.NotFound,
	raftstore.ErrNamespaceNotFound:    codes.NotFound,
	raftstore.ErrAlreadyExists:        codes.AlreadyExists,
	raftstore.ErrConflict:             codes.Aborted,
	raftstore.ErrNamespaceTerminating: codes.FailedPrecondition,
	raftstore.ErrCompacted:            codes.OutOfRange,
	raftstore.ErrFutureRevision:       codes.DeadlineExceeded,
	raftstore.ErrNotLeader:            codes.Unavailable,
	raftstore.ErrClosed:               codes.Unavailable,
	raftstore.ErrOutcomeUnknown:       codes.Unknown,
	validation.ErrInvalid:             codes.InvalidArgument,
	validation.ErrTooLarge:            codes.InvalidArgument,
	selector.ErrInvalidSelector:       codes.InvalidArgument,
	errBadRequest:                     codes.InvalidArgument,
	errUnavailable:                    codes.Unavailable,
	context.DeadlineExceeded:          codes.DeadlineExceeded,
	context.Canceled:                  codes.Canceled,
}

func TestErrorCodes(t *testing.T) {
	if len(errorCodes) != len(documentedCodes) {
		t.Errorf("errors.go maps %d errors, %d documented", len(errorCodes), len(documentedCodes))
	}
	for sentinel, code := range documentedCodes {
		for _, err := range []error{sentinel, fmt.Errorf("pods %q: %w", "x", sentinel)} {
			st, ok := status.FromError(toStatus(err))
			if !ok || st.Code() != code || st.Message() != err.Error() {
				t.Errorf("%v: got %v %q, want %v %q", err, st.Code(), st.Message(), code, err.Error())
			}
		}
	}
}

func TestErrorCodesEdges(t *testing.T) {
	if toStatus(nil) != nil {
		t.Error("nil became an error")
	}
	cases := []struct {
		err  error
		code codes.Code
	}{
		{pb.ErrUnknownKind{Name: "Gizmo"}, codes.InvalidArgument},
		{fmt.Errorf("%w: %w", raftstore.ErrNotFound, pb.ErrUnknownKind{Name: "Gizmo"}), codes.InvalidArgument},
		{&validation.Error{QualifiedKind: "Pod", Name: "p"}, codes.InvalidArgument},
		{errors.New("disk on fire"), codes.Internal},
		{raftstore.ErrInvalidCommand, codes.Internal},
		// A status from a forwarded call passes through unchanged.
		{status.Error(codes.ResourceExhausted, "slow down"), codes.ResourceExhausted},
		{fmt.Errorf("forwarded: %w", status.Error(codes.AlreadyExists, "x")), codes.AlreadyExists},
	}
	for _, c := range cases {
		if got := status.Code(toStatus(c.err)); got != c.code {
			t.Errorf("%v: got %v, want %v", c.err, got, c.code)
		}
	}
}

// TestNamespaceTerminatingOverGRPC checks one store rejection end to end:
// creating in a namespace marked for deletion is FailedPrecondition.
func TestNamespaceTerminatingOverGRPC(t *testing.T) {
	n := startNode(t, nodeOptions{})
	n.mustApply(&pb.Op{Type: pb.OpType_CREATE, Object: &pb.Object{ApiVersion: "v1", Kind: "Namespace",
		Metadata: &pb.ObjectMeta{Name: "going", Finalizers: []string{"kubernetes"}}}})
	if _, err := n.cli.Delete(testCtx(t), &pb.DeleteRequest{Kind: "Namespace", Name: "going"}); err != nil {
		t.Fatal(err)
	}
	_, err := n.cli.Create(testCtx(t), &pb.CreateRequest{Object: configMap("going", "cfg", "1")})
	wantCode(t, err, codes.FailedPrecondition, "being terminated")
}

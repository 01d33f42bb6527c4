package harness

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/cluster-test/history"
)

// definite are the codes that say a write did not take effect.
var definite = map[codes.Code]bool{
	codes.AlreadyExists:      true,
	codes.NotFound:           true,
	codes.Aborted:            true, // resourceVersion conflict
	codes.FailedPrecondition: true,
	codes.InvalidArgument:    true,
	codes.OutOfRange:         true, // compacted revision
}

// classify sets op's outcome from err. Anything but a definite refusal is
// Unknown: the write may have been applied (P11); the client library's
// retries carry one request id, so they never apply it twice.
func classify(op *history.Operation, err error) {
	if err == nil {
		op.Outcome = history.OK
		return
	}
	st := status.Convert(err)
	op.Error, op.Code = st.Message(), st.Code().String()
	if definite[st.Code()] {
		op.Outcome = history.Fail
		return
	}
	op.Outcome = history.Unknown
}

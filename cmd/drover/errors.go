package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errReported is returned by commands that have already printed their
// errors (one per failed object); main only sets the exit status.
var errReported = errors.New("errors reported")

// grpcStatus is implemented by gRPC status errors.
type grpcStatus interface{ GRPCStatus() *status.Status }

// errorMessage renders err for a user: a gRPC status error contributes its
// message only ("pods \"x\" not found"), not the "rpc error: code = ..."
// wrapper.
func errorMessage(err error) string {
	var gs grpcStatus
	if !errors.As(err, &gs) {
		return err.Error()
	}
	inner, ok := gs.(error)
	if !ok {
		return err.Error()
	}
	if st := gs.GRPCStatus(); st.Code() == codes.Unavailable && strings.Contains(st.Message(), "dialing") {
		return "no Drover node reachable at the --server endpoints (is one running?): " + st.Message()
	}
	return strings.Replace(err.Error(), inner.Error(), gs.GRPCStatus().Message(), 1)
}

// reportError prints one error the way main would, for commands that go on
// after a failure.
func reportError(w io.Writer, err error) {
	fmt.Fprintln(w, "error:", errorMessage(err))
}

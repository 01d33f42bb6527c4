package main

import (
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestErrorMessage(t *testing.T) {
	err := status.Error(codes.NotFound, `pods "x" not found`)
	if got := errorMessage(err); got != `pods "x" not found` {
		t.Errorf("got %q", got)
	}
	wrapped := fmt.Errorf("bench setup: %w", err)
	if got := errorMessage(wrapped); got != `bench setup: pods "x" not found` {
		t.Errorf("got %q", got)
	}
	if got := errorMessage(fmt.Errorf("plain")); got != "plain" {
		t.Errorf("got %q", got)
	}
}

package raftstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"

	pb "github.com/drover/drover/proto/droverpb"
)

// defaultProposeTimeout bounds how long a proposal may wait to enter the
// Raft pipeline when the caller's context has no deadline.
const defaultProposeTimeout = 10 * time.Second

// Propose replicates cmd and returns one result per op once this node's FSM
// has applied it, with the Raft index that carried it. Only the leader
// proposes: elsewhere it fails with ErrNotLeader, and nothing was written.
// If leadership is lost in flight the error wraps ErrOutcomeUnknown.
func (s *Store) Propose(ctx context.Context, cmd *pb.Command) ([]OpResult, uint64, error) {
	if !s.IsLeader() {
		return nil, 0, ErrNotLeader
	}
	data, err := EncodeCommand(cmd)
	if err != nil {
		return nil, 0, err
	}
	timeout := defaultProposeTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
		if timeout <= 0 {
			return nil, 0, ctx.Err()
		}
	}
	f := s.raft.Apply(data, timeout)
	if err := f.Error(); err != nil {
		return nil, 0, proposeError(err)
	}
	res, ok := f.Response().(*ApplyResult)
	if !ok || len(res.Results) != len(cmd.Ops) {
		return nil, 0, fmt.Errorf("raftstore: unexpected apply response %T", f.Response())
	}
	return res.Results, f.Index(), nil
}

// proposeError sorts Raft's errors into "never proposed" (safe to retry
// elsewhere) and "outcome unknown".
func proposeError(err error) error {
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrEnqueueTimeout):
		return fmt.Errorf("%w: %v", ErrNotLeader, err)
	case errors.Is(err, raft.ErrRaftShutdown):
		return fmt.Errorf("%w: %v", ErrOutcomeUnknown, err)
	case errors.Is(err, raft.ErrLeadershipLost):
		return fmt.Errorf("%w: leadership lost while the write was in flight", ErrOutcomeUnknown)
	}
	return err
}

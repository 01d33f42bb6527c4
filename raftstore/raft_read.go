package raftstore

import (
	"context"
	"sync"
)

// LinearizableRead returns once this node's FSM reflects every write
// acknowledged before the call: it takes the commit index, confirms
// leadership with a quorum, and waits until the FSM has applied that index
// (Raft's read-index protocol). Concurrent callers share one confirmation
// round. Only the leader of an established term can serve it.
func (s *Store) LinearizableRead(ctx context.Context) error {
	if !s.IsLeader() {
		return ErrNotLeader
	}
	index, err := s.reads.wait(ctx)
	if err != nil {
		return err
	}
	return s.fsm.WaitApplied(ctx, index)
}

// readBatcher coalesces read-index rounds: callers that arrive while a round
// is in flight join the next one, so at most one leadership check runs at a
// time however many reads are waiting.
type readBatcher struct {
	s *Store

	mu      sync.Mutex
	waiters []chan readResult
	running bool
}

type readResult struct {
	index uint64
	err   error
}

func newReadBatcher(s *Store) *readBatcher { return &readBatcher{s: s} }

func (b *readBatcher) wait(ctx context.Context) (uint64, error) {
	ch := make(chan readResult, 1)
	b.mu.Lock()
	b.waiters = append(b.waiters, ch)
	if !b.running {
		b.running = true
		go b.loop()
	}
	b.mu.Unlock()
	select {
	case r := <-ch:
		return r.index, r.err
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// loop runs rounds until no caller waits. Each round's commit index is read
// before the leadership check, so it covers every write acknowledged before
// any of its callers arrived.
func (b *readBatcher) loop() {
	for {
		b.mu.Lock()
		batch := b.waiters
		b.waiters = nil
		if len(batch) == 0 {
			b.running = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		r := b.round()
		for _, ch := range batch {
			ch <- r
		}
	}
}

func (b *readBatcher) round() readResult {
	term := b.s.raft.CurrentTerm()
	index := b.s.raft.CommitIndex()
	if err := b.s.raft.VerifyLeader().Error(); err != nil {
		return readResult{err: proposeError(err)}
	}
	if b.s.established.Load() != term || b.s.raft.CurrentTerm() != term {
		return readResult{err: ErrNotLeader}
	}
	return readResult{index: index}
}

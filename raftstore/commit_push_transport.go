package raftstore

import (
	"sync"
	"sync/atomic"

	"github.com/hashicorp/raft"
)

// pushTransport is Raft's TCP transport, watched by the commit push: it
// notes the commit index each AppendEntries carries to a follower and
// what each successful answer proves the follower holds. Every other
// method (votes, pre-votes, snapshots, the consumer of incoming RPCs,
// Close) is the TCP transport's own, so Raft sees the same capabilities.
type pushTransport struct {
	*raft.NetworkTransport
	push *commitPush
}

// AppendEntries sends a single AppendEntries (Raft uses it for heartbeats
// and for catching a follower up before it pipelines).
func (t *pushTransport) AppendEntries(id raft.ServerID, target raft.ServerAddress,
	args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	p := t.push.peer(id, target)
	p.sent(args)
	err := t.NetworkTransport.AppendEntries(id, target, args, resp)
	if err == nil {
		p.answered(args, resp)
	}
	return err
}

// AppendEntriesPipeline opens the pipeline Raft replicates through once a
// follower has caught up.
func (t *pushTransport) AppendEntriesPipeline(id raft.ServerID, target raft.ServerAddress) (raft.AppendPipeline, error) {
	inner, err := t.NetworkTransport.AppendEntriesPipeline(id, target)
	if err != nil {
		return nil, err
	}
	peer := t.push.peer(id, target)
	p := &watchedPipeline{AppendPipeline: inner, peer: peer,
		out: make(chan raft.AppendFuture, pipelineDepth), done: make(chan struct{})}
	peer.mu.Lock()
	peer.pipeline = p
	peer.mu.Unlock()
	go p.forward()
	return p, nil
}

// pipelineDepth is how many answers may wait for Raft to read them; the
// TCP transport's own limit on requests in flight is the same.
const pipelineDepth = 128

// watchedPipeline passes a pipeline's answers to Raft after noting them.
type watchedPipeline struct {
	raft.AppendPipeline
	peer      *pushPeer
	out       chan raft.AppendFuture
	done      chan struct{}
	closeOnce sync.Once
	// inflight counts requests sent and not yet answered.
	inflight atomic.Int64
}

func (p *watchedPipeline) AppendEntries(args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) (raft.AppendFuture, error) {
	p.peer.sent(args)
	p.inflight.Add(1)
	f, err := p.AppendPipeline.AppendEntries(args, resp)
	if err != nil {
		p.inflight.Add(-1)
	}
	return f, err
}

func (p *watchedPipeline) Consumer() <-chan raft.AppendFuture { return p.out }

func (p *watchedPipeline) Close() error {
	p.closeOnce.Do(func() {
		close(p.done)
		p.peer.mu.Lock()
		if p.peer.pipeline == p {
			p.peer.pipeline = nil
		}
		p.peer.mu.Unlock()
	})
	return p.AppendPipeline.Close()
}

// forward moves each answered request from the TCP pipeline to Raft,
// noting successful ones, until the pipeline is closed.
func (p *watchedPipeline) forward() {
	in := p.AppendPipeline.Consumer()
	for {
		select {
		case f := <-in:
			// The future is complete: Error does not block.
			if f.Error() == nil {
				p.peer.answered(f.Request(), f.Response())
			}
			if p.inflight.Add(-1) == 0 {
				p.peer.poke() // idle now: a push may be due
			}
			select {
			case p.out <- f:
			case <-p.done:
				return
			}
		case <-p.done:
			return
		}
	}
}

package apiserver

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/drover/drover/raftstore"
)

// forwardedKey marks a request a follower forwarded, so that it is never
// forwarded a second time.
const forwardedKey = "drover-forwarded"

// maxForwardMessage matches the client's message limit.
const maxForwardMessage = 64 << 20

// route decides where a request that needs the leader runs: locally (nil
// connection) when this node leads an established term, or on the leader's
// connection. While an election is in progress it waits, up to LeaderWait.
func (s *Server) route(ctx context.Context) (*grpc.ClientConn, error) {
	forwarded := isForwarded(ctx)
	deadline := time.Now().Add(s.cfg.LeaderWait)
	// Polling is cheap (an atomic load and a read lock), and the wait
	// between a leader's arrival and this loop's next look adds straight
	// onto failover time, so the back-off stays short: 5 ms doubling to
	// 25 ms. Even hundreds of waiting requests cost a few thousand checks a
	// second, for the second or so an election lasts.
	delay := 5 * time.Millisecond
	for {
		if s.cfg.Store.IsLeader() {
			return nil, nil
		}
		id, _ := s.cfg.Store.Leader()
		if id != "" && id != s.cfg.NodeID {
			if forwarded {
				// The sender thought this node led; it no longer does, and
				// forwarding twice is not allowed. Fail at once (nothing
				// was proposed) so the sender's client retries elsewhere
				// instead of waiting out LeaderWait.
				return nil, fmt.Errorf("%w: forwarded here, but %q leads now", raftstore.ErrNotLeader, id)
			}
			if conn, err := s.leaderConn(id); err == nil {
				return conn, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w: no established leader after %s (leader %q)",
				raftstore.ErrNotLeader, s.cfg.LeaderWait, id)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(delay*2, 25*time.Millisecond)
	}
}

// leaderConn returns a connection to the API of the peer with Raft id id,
// whose address the leader recorded in the store.
func (s *Server) leaderConn(id string) (*grpc.ClientConn, error) {
	members, err := s.cfg.State.Members()
	if err != nil {
		return nil, err
	}
	addr, ok := members[id]
	if !ok {
		return nil, fmt.Errorf("%w: API address of leader %q not known yet", raftstore.ErrNotLeader, id)
	}
	return s.peers.get(addr)
}

func (p *peerConns) get(addr string) (*grpc.ClientConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.conns[addr]; ok {
		return c, nil
	}
	c, err := grpc.NewClient(addr, append(PeerDialOptions(),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxForwardMessage), grpc.MaxCallSendMsgSize(maxForwardMessage)))...)
	if err != nil {
		return nil, err
	}
	p.conns[addr] = c
	return c, nil
}

func isForwarded(ctx context.Context) bool {
	md, ok := metadata.FromIncomingContext(ctx)
	return ok && len(md.Get(forwardedKey)) > 0
}

// forwardContext marks an outgoing call as forwarded.
func forwardContext(ctx context.Context) context.Context {
	return metadata.AppendToOutgoingContext(ctx, forwardedKey, "1")
}

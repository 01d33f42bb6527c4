package apiserver

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/keepalive"
)

// Connections between nodes (forwarding) and from clients must notice a
// peer that went silent. Without keepalives a request written into a TCP
// connection whose packets were dropped (a partition, a crashed host)
// waits for the kernel's retransmission backoff, tens of seconds after the
// network has healed; cluster-test saw a write through a node that had
// been cut off for 30 s take 24 s after healing. With them, the
// connection is closed within PeerKeepaliveTime+PeerKeepaliveTimeout of
// silence, the call fails over, and a new connection is made as soon as
// the peer answers again (reconnects back off to at most
// peerReconnectMax).
const (
	// PeerKeepaliveTime is how long a connection may stay silent before
	// a ping (gRPC's minimum is 10 s).
	PeerKeepaliveTime = 10 * time.Second
	// PeerKeepaliveTimeout is how long a ping may go unanswered.
	PeerKeepaliveTimeout = 3 * time.Second
	// peerReconnectMax caps the wait between reconnection attempts.
	peerReconnectMax = 2 * time.Second
)

// PeerDialOptions are the keepalive and reconnection settings for a
// connection to a node's API: from another node, or from a client.
func PeerDialOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: PeerKeepaliveTime,
			Timeout: PeerKeepaliveTimeout, PermitWithoutStream: true}),
		grpc.WithConnectParams(grpc.ConnectParams{MinConnectTimeout: 2 * time.Second, Backoff: backoff.Config{
			BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: peerReconnectMax}}),
	}
}

// keepaliveServerOptions let clients ping as PeerDialOptions do, and
// close connections of clients that went silent (watch streams included).
func keepaliveServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: PeerKeepaliveTime / 2, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 2 * PeerKeepaliveTime, Timeout: PeerKeepaliveTimeout}),
	}
}

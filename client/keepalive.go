package client

import (
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/keepalive"
)

// keepaliveOptions make a connection to a node notice that the node went
// silent (a partition, a crashed host) within about 13 s, instead of
// leaving a call waiting on TCP retransmissions long after the network
// healed, and reconnect at most 2 s after the node answers again. The
// nodes' servers accept pings this often (apiserver/keepalive.go, which
// uses the same settings between nodes).
func keepaliveOptions() []grpc.DialOption {
	return []grpc.DialOption{
		grpc.WithKeepaliveParams(keepalive.ClientParameters{Time: 10 * time.Second, Timeout: 3 * time.Second,
			PermitWithoutStream: true}),
		grpc.WithConnectParams(grpc.ConnectParams{MinConnectTimeout: 2 * time.Second, Backoff: backoff.Config{
			BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second}}),
	}
}

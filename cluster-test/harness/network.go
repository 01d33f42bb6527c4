package harness

import (
	"context"
	"net"
	"os/exec"
	"time"

	"github.com/drover/drover/cluster-test/netns"
)

// Network is what the harness needs from the network layer; *netns.Net
// provides it.
type Network interface {
	NodeIP(i int) string
	Command(i int, name string, args ...string) *exec.Cmd
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
	Partition(scope netns.Scope, groups ...[]int) error
	BlockOneWay(scope netns.Scope, from, to int) error
	Isolate(scope netns.Scope, i int) error
	Loss(i int, probability float64) error
	CutFromClients(scope netns.Scope, i int) error
	SetDelay(i int, d time.Duration) error
	Heal() error
	Faults() []string
	Teardown() error
	TrackDir(path string) error
}

// The ports every node uses on its own address.
const (
	portAPI    = 7700
	portRaft   = 7701
	portGossip = 7702
	portNATS   = 7703
	portHTTP   = 7704
)

// Scopes of port-scoped partitions.
var (
	scopeAll    = netns.Scope{}
	scopeRaft   = netns.Scope{Ports: []int{portRaft}}
	scopeGossip = netns.Scope{Ports: []int{portGossip}}
	scopeNATS   = netns.Scope{Ports: []int{portNATS}}
)

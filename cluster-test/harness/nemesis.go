package harness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/drover/drover/cluster-test/history"
	"github.com/drover/drover/cluster-test/netns"
)

// Fault is one entry of the fault timeline.
type Fault struct {
	Start int64  `json:"start"`
	End   int64  `json:"end"` // 0 while active
	What  string `json:"what"`
	// Kind groups faults for the availability report: "partition",
	// "kill", "pause", "loss", "restart".
	Kind string `json:"kind"`
	// Nodes are the nodes the fault acts on.
	Nodes []int `json:"nodes,omitempty"`
	// Members is the cluster size when the fault began.
	Members int `json:"members"`
}

// Nemesis injects faults and keeps their timeline.
type Nemesis struct {
	c   *Cluster
	net Network
	smp *sampler
	rec *history.Recorder
	rng *rand.Rand
	log func(format string, args ...any)

	mu       sync.Mutex
	timeline []Fault
	active   map[string]int // open fault → timeline index
}

func newNemesis(c *Cluster, n Network, smp *sampler, rec *history.Recorder, seed uint64, log func(string, ...any)) *Nemesis {
	return &Nemesis{c: c, net: n, smp: smp, rec: rec, rng: rand.New(rand.NewPCG(seed, 0xfa17)), log: log,
		active: map[string]int{}}
}

// Timeline returns the faults so far.
func (n *Nemesis) Timeline() []Fault {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Fault(nil), n.timeline...)
}

// open records the start of a fault under key.
func (n *Nemesis) open(key, kind, what string, nodes ...int) {
	n.mu.Lock()
	n.active[key] = len(n.timeline)
	n.timeline = append(n.timeline, Fault{Start: n.rec.Now(), What: what, Kind: kind, Nodes: nodes,
		Members: len(n.c.Members())})
	n.mu.Unlock()
	n.log("nemesis: %s", what)
}

// close records the end of the fault under key.
func (n *Nemesis) close(key string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if i, ok := n.active[key]; ok {
		n.timeline[i].End = n.rec.Now()
		delete(n.active, key)
	}
}

// closeKind ends every open fault of kind.
func (n *Nemesis) closeKind(kind string) {
	n.mu.Lock()
	var keys []string
	for k, i := range n.active {
		if n.timeline[i].Kind == kind {
			keys = append(keys, k)
		}
	}
	n.mu.Unlock()
	for _, k := range keys {
		n.close(k)
	}
}

// Leader waits up to 15 s for a leader and returns it (0 if none).
func (n *Nemesis) Leader(ctx context.Context) int {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if l := n.smp.leader(); l != 0 {
			return l
		}
		sleepCtx(ctx, 50*time.Millisecond)
	}
	return 0
}

// Follower returns a running node other than the leader.
func (n *Nemesis) Follower(ctx context.Context) int {
	l := n.Leader(ctx)
	members := n.c.Members()
	for _, k := range n.rng.Perm(len(members)) {
		if i := members[k]; i != l && n.c.Running(i) {
			return i
		}
	}
	return 0
}

// Random returns a random member.
func (n *Nemesis) Random() int {
	members := n.c.Members()
	return members[n.rng.IntN(len(members))]
}

// Kill SIGKILLs node i.
func (n *Nemesis) Kill(i int) error {
	n.open(fmt.Sprintf("down-%d", i), "kill", fmt.Sprintf("kill -9 %s", n.c.ID(i)), i)
	return n.c.Kill(i)
}

// Bounce SIGKILLs node i, leaves it down for d (or until ctx ends) and
// starts it again.
func (n *Nemesis) Bounce(ctx context.Context, i int, d time.Duration) error {
	if err := n.Kill(i); err != nil {
		return err
	}
	wait(ctx, d)
	return n.Restart(i)
}

// Stop stops node i gracefully (SIGTERM).
func (n *Nemesis) Stop(i int) error {
	n.open(fmt.Sprintf("down-%d", i), "kill", fmt.Sprintf("stop (SIGTERM) %s", n.c.ID(i)), i)
	return n.c.Terminate(i)
}

// Restart starts node i again.
func (n *Nemesis) Restart(i int) error {
	n.close(fmt.Sprintf("down-%d", i))
	n.log("nemesis: restart %s", n.c.ID(i))
	return n.c.Start(i)
}

// Pause SIGSTOPs node i.
func (n *Nemesis) Pause(i int) error {
	n.open(fmt.Sprintf("pause-%d", i), "pause", fmt.Sprintf("SIGSTOP %s", n.c.ID(i)), i)
	return n.c.Pause(i)
}

// Resume SIGCONTs node i.
func (n *Nemesis) Resume(i int) error {
	n.close(fmt.Sprintf("pause-%d", i))
	return n.c.Resume(i)
}

// Partition splits the nodes into groups that cannot reach each other.
func (n *Nemesis) Partition(scope netns.Scope, groups ...[]int) error {
	n.open("net", "partition", fmt.Sprintf("partition %s%s", n.groupNames(groups), scopeName(scope)), flatten(groups)...)
	return n.net.Partition(scope, groups...)
}

// Isolate cuts node i from every other node.
func (n *Nemesis) Isolate(scope netns.Scope, i int) error {
	n.open("net", "partition", fmt.Sprintf("isolate %s%s", n.c.ID(i), scopeName(scope)), i)
	return n.net.Isolate(scope, i)
}

// IsolateFor cuts node i off (scope) for d, then heals the network.
func (n *Nemesis) IsolateFor(ctx context.Context, scope netns.Scope, i int, d time.Duration) error {
	if err := n.Isolate(scope, i); err != nil {
		return err
	}
	wait(ctx, d)
	return n.Heal()
}

// OneWay drops packets from one node to another.
func (n *Nemesis) OneWay(from, to int) error {
	n.open(fmt.Sprintf("net-%d-%d", from, to), "partition", fmt.Sprintf("drop %s → %s", n.c.ID(from), n.c.ID(to)), from, to)
	return n.net.BlockOneWay(scopeAll, from, to)
}

// Loss drops a share of node i's packets to and from its peers.
func (n *Nemesis) Loss(i int, p float64) error {
	n.open(fmt.Sprintf("loss-%d", i), "loss", fmt.Sprintf("%.0f%% loss on %s", p*100, n.c.ID(i)), i)
	return n.net.Loss(i, p)
}

// CutNATSClients cuts the NATS port of node i from outside subscribers.
func (n *Nemesis) CutNATSClients(i int) error {
	n.open("net", "partition", fmt.Sprintf("cut %s's NATS port from clients", n.c.ID(i)), i)
	return n.net.CutFromClients(scopeNATS, i)
}

// Delay slows node i's Raft traffic by d each way (through the proxy).
func (n *Nemesis) Delay(i int, d time.Duration) error {
	n.open(fmt.Sprintf("delay-%d", i), "loss", fmt.Sprintf("Raft delay %s on %s", d, n.c.ID(i)), i)
	return n.net.SetDelay(i, d)
}

// Heal removes every network fault.
func (n *Nemesis) Heal() error {
	n.closeKind("partition")
	n.closeKind("loss")
	n.log("nemesis: heal")
	return n.net.Heal()
}

// Recover heals the network, resumes paused nodes and restarts stopped
// ones: how every scenario ends.
func (n *Nemesis) Recover() error {
	first := n.Heal()
	for _, i := range n.c.Members() {
		if n.c.Paused(i) {
			n.Resume(i)
		}
		if !n.c.Running(i) {
			if err := n.Restart(i); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (n *Nemesis) groupNames(groups [][]int) string {
	s := ""
	for gi, g := range groups {
		if gi > 0 {
			s += " | "
		}
		for k, i := range g {
			if k > 0 {
				s += ","
			}
			s += n.c.ID(i)
		}
	}
	return s
}

func scopeName(s netns.Scope) string {
	if len(s.Ports) == 0 {
		return ""
	}
	return fmt.Sprintf(" (ports %v only)", s.Ports)
}

func flatten(groups [][]int) []int {
	var out []int
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

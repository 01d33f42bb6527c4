package netns

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// MaxDelay is the largest delay SetDelay and SetLinkDelay accept.
const MaxDelay = time.Minute

// SetDelay delays all of node i's proxied traffic, in and out, by d: bytes
// from node a to node b wait for a's delay plus b's plus the a -> b link
// delay, so SetDelay(2, d) adds about 2d to a round trip between node 2 and
// any other node. Only TCP connections between nodes to Config.DelayPorts
// are proxied. It applies at once, to open connections too, for bytes read
// from then on; d = 0 removes node i's delay. Heal resets every delay.
func (n *Net) SetDelay(i int, d time.Duration) error {
	if err := errors.Join(n.checkNode(i), n.checkDelay(d)); err != nil {
		return err
	}
	n.proxy.delays.set(delayKey{from: i}, d)
	return nil
}

// SetLinkDelay delays the proxied bytes from node `from` to node `to` by d,
// on top of the nodes' own delays; the reverse direction is untouched.
// d = 0 removes the link's delay. See SetDelay.
func (n *Net) SetLinkDelay(from, to int, d time.Duration) error {
	if err := errors.Join(n.checkNode(from), n.checkNode(to), n.checkDelay(d)); err != nil {
		return err
	}
	if from == to {
		return fmt.Errorf("netns: link delay from node %d to itself", from)
	}
	n.proxy.delays.set(delayKey{from: from, to: to}, d)
	return nil
}

// checkDelay reports whether d can be set: there is a proxy and d is in
// [0, MaxDelay].
func (n *Net) checkDelay(d time.Duration) error {
	if n.proxy == nil {
		return errors.New("netns: delays need Config.DelayPorts: no proxy between the nodes")
	}
	if d < 0 || d > MaxDelay {
		return fmt.Errorf("netns: delay %v: want 0..%v", d, MaxDelay)
	}
	return nil
}

// delayKey names a node's own delay (to = 0) or a link's.
type delayKey struct{ from, to int }

// String describes the delay for Faults.
func (k delayKey) String() string {
	if k.to == 0 {
		return fmt.Sprintf("on node %d", k.from)
	}
	return fmt.Sprintf("from node %d to node %d", k.from, k.to)
}

// kind orders nodes' delays (0) before links' (1).
func (k delayKey) kind() int {
	if k.to == 0 {
		return 0
	}
	return 1
}

// delayTable holds the current delays; the zero value has none.
type delayTable struct {
	mu sync.Mutex
	d  map[delayKey]time.Duration
}

// set sets one delay; 0 removes it.
func (t *delayTable) set(k delayKey, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if d == 0 {
		delete(t.d, k)
		return
	}
	if t.d == nil {
		t.d = map[delayKey]time.Duration{}
	}
	t.d[k] = d
}

// get returns the delay of bytes from node `from` to node `to` (0 stands
// for an address that is no node's).
func (t *delayTable) get(from, to int) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.d[delayKey{from: from}] + t.d[delayKey{from: to}] + t.d[delayKey{from: from, to: to}]
}

// reset removes every delay.
func (t *delayTable) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.d)
}

// describe lists the delays for Faults, nodes' first, e.g. "delay 50ms on
// node 2".
func (t *delayTable) describe() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	keys := slices.SortedFunc(maps.Keys(t.d), func(a, b delayKey) int {
		return cmp.Or(cmp.Compare(a.kind(), b.kind()), cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to))
	})
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("delay %v %s", t.d[k], k)
	}
	return out
}

package node

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// A backlog larger than one compaction step is compacted to the bound on
// every replica, in several COMPACT entries, while followers prefetch. The
// interval is long enough that the writes usually finish before the first
// tick, which then finds the whole backlog.
func TestCompactionBacklogInSteps(t *testing.T) {
	const maxEvents = 100
	c := newTestCluster(t, 3, func(cfg *Config) {
		cfg.HistoryMaxEvents, cfg.CompactInterval = maxEvents, 3*time.Second
	})
	li, _ := c.leader()
	cl := c.client(li)
	ctx := context.Background()
	const writes, workers = compactStep + 400, 32
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < writes; i += workers {
				if _, err := cl.Create(ctx, configMap(fmt.Sprintf("cm-%d", i))); err != nil {
					t.Errorf("create %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	deadline := time.Now().Add(30 * time.Second)
	for i, n := range c.nodes {
		for {
			events, _, err := n.fsm.Events(n.fsm.CompactedRevision(), 2*writes)
			if err == nil && len(events) <= maxEvents && n.fsm.CompactedRevision() > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d keeps %d events (err %v), want at most %d", i, len(events), err, maxEvents)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

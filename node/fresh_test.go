package node

import (
	"context"
	"testing"
	"time"
)

// Every node of a new static cluster starts with an empty log, so every
// one advertises Fresh at first; once caught up with the leader it must
// stop, or the autopilot would later demote a voter that merely fell
// behind (a partitioned follower), and a partition could leave the
// majority side short of voters (cluster-test scenario 6 found that).
func TestFreshClearedOnceCaughtUp(t *testing.T) {
	c := newTestCluster(t, 3)
	li, _ := c.leader()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.client(li).Create(ctx, configMap("caught-up")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for i, n := range c.nodes {
		for n.gossip.ownMeta().Fresh {
			if time.Now().After(deadline) {
				t.Fatalf("node %d still advertises Fresh after catching up", i)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

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

// The leader records each member's instance once it holds data, itself
// included, so that a member wiped later is told from one that lags.
func TestMemberInstancesRecorded(t *testing.T) {
	first := "" // the others join the first node's gossip
	c := newTestCluster(t, 3, func(cfg *Config) {
		if first == "" {
			first = cfg.GossipAddr
		} else {
			cfg.Join = []string{first}
		}
	})
	li, leader := c.leader()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.client(li).Create(ctx, configMap("instances")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		recorded, err := leader.fsm.MemberInstances()
		if err != nil {
			t.Fatal(err)
		}
		missing := ""
		for _, n := range c.nodes {
			if own := n.gossip.ownMeta().Instance; own == "" || recorded[n.cfg.ID] != own {
				missing = n.cfg.ID
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s's instance not recorded: %v", missing, recorded)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestWipedVoter(t *testing.T) {
	cases := []struct {
		recorded, instance string
		want               bool
	}{
		{"a", "b", true},  // an earlier instance held data: wiped
		{"a", "a", false}, // its own instance holds data: it only lags
		{"", "b", false},  // never recorded: a new member that started empty
		{"a", "", true},   // no instance reported (older version): as before
		{"", "", true},
	}
	for _, c := range cases {
		if got := wipedVoter(c.recorded, c.instance); got != c.want {
			t.Errorf("wipedVoter(%q, %q) = %v, want %v", c.recorded, c.instance, got, c.want)
		}
	}
}

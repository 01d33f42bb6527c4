package raftstore

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	pb "github.com/drover/drover/proto/droverpb"
)

func TestPushTarget(t *testing.T) {
	committed := logPos{index: 100, term: 3}
	cases := []struct {
		name       string
		holds      logPos
		holdsTerm  uint64
		sentCommit uint64
		want       logPos
		ok         bool
	}{
		{"holds the committed entry", logPos{120, 4}, 4, 90, committed, true},
		{"holds an earlier entry", logPos{95, 4}, 4, 90, logPos{95, 4}, true},
		{"confirmed in an earlier term", logPos{120, 3}, 3, 90, logPos{}, false},
		{"confirmed nothing", logPos{}, 0, 0, logPos{}, false},
		{"already sent", logPos{120, 4}, 4, 100, logPos{}, false},
		{"already sent what it holds", logPos{95, 4}, 4, 95, logPos{}, false},
	}
	for _, c := range cases {
		got, ok := pushTarget(committed, c.holds, c.holdsTerm, 4, c.sentCommit)
		if ok != c.ok || got != c.want {
			t.Errorf("%s: pushTarget = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
	if _, ok := pushTarget(logPos{}, logPos{5, 4}, 4, 4, 0); ok {
		t.Error("pushTarget pushed before anything was committed")
	}
}

// TestCommitPushAppliesOnFollowers: with Raft's own commit timeout made
// longer than the test, a follower learns that the last write is
// committed only from the commit push, so every replica applying it shows
// that the push works and that followers accept it.
func TestCommitPushAppliesOnFollowers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node Raft cluster on loopback")
	}
	stores := startPushCluster(t, 3, false)
	leader := waitForLeader(t, stores)
	for i := range 20 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := &pb.Command{Ops: []*pb.Op{create(nsObj(fmt.Sprintf("ns-%d", i)))}, Timestamp: int64(i + 1)}
		_, index, err := leader.Propose(ctx, cmd)
		cancel()
		if err != nil {
			t.Fatalf("propose %d: %v", i, err)
		}
		for _, s := range stores {
			waitApplied(t, s, index)
		}
	}
}

// TestNoCommitPush: with the push off and the same commit timeout,
// followers do not learn that the last write is committed. An election
// in between (a loaded machine) would tell them through the new term's
// entries, so an attempt that sees the term change is repeated.
func TestNoCommitPush(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 3-node Raft cluster on loopback")
	}
	stores := startPushCluster(t, 3, true)
	for attempt := range 5 {
		leader := waitForLeader(t, stores)
		term := leader.Raft().CurrentTerm()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := &pb.Command{Ops: []*pb.Op{create(nsObj(fmt.Sprintf("ns-%d", attempt)))}, Timestamp: int64(attempt + 1)}
		_, index, err := leader.Propose(ctx, cmd)
		cancel()
		if err != nil {
			continue
		}
		time.Sleep(time.Second)
		if leader.Raft().State() != raft.Leader || leader.Raft().CurrentTerm() != term {
			continue
		}
		for _, s := range stores {
			if s != leader && s.FSM().AppliedIndex() >= index {
				t.Errorf("%s applied %d without the commit push", s.cfg.ID, index)
			}
		}
		return
	}
	t.Fatal("leadership changed during every attempt")
}

// startPushCluster starts size stores on loopback with a commit timeout
// of an hour, and the commit push unless noPush.
func startPushCluster(t *testing.T, size int, noPush bool) []*Store {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	stores := make([]*Store, size)
	var peers []Peer
	for i := range stores {
		dir := t.TempDir()
		fsm, err := OpenFSM(FSMConfig{Path: filepath.Join(dir, "state.db"), Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		cfg := DefaultRaftConfig()
		cfg.ID, cfg.Dir, cfg.BindAddr, cfg.Logger = fmt.Sprintf("n%d", i+1), filepath.Join(dir, "raft"), loopbackAddr(t), logger
		cfg.NoBootstrap, cfg.CommitTimeout, cfg.NoCommitPush = true, time.Hour, noPush
		// Elections would commit on followers too: make them unlikely
		// on a loaded machine.
		cfg.HeartbeatTimeout, cfg.ElectionTimeout, cfg.LeaderLeaseTimeout = 2*time.Second, 2*time.Second, time.Second
		s, err := OpenStore(cfg, fsm)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Shutdown(); err != nil {
				t.Error(err)
			}
			fsm.Close()
		})
		stores[i] = s
		peers = append(peers, Peer{ID: cfg.ID, Addr: cfg.BindAddr})
	}
	if err := stores[0].Bootstrap(peers); err != nil {
		t.Fatal(err)
	}
	return stores
}

func waitForLeader(t *testing.T, stores []*Store) *Store {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		for _, s := range stores {
			if s.Raft().State() == raft.Leader && s.Establish(time.Second) == nil {
				return s
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no leader within 20 s")
	return nil
}

func waitApplied(t *testing.T, s *Store, index uint64) {
	deadline := time.Now().Add(10 * time.Second)
	for s.FSM().AppliedIndex() < index {
		if time.Now().After(deadline) {
			t.Fatalf("%s applied %d, not %d, 10 s after the leader", s.cfg.ID, s.FSM().AppliedIndex(), index)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// loopbackAddr returns a loopback address that was free a moment ago.
func loopbackAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/drover/drover/client"
)

// TestFailoverTiming measures failover as the HA issue defines it: the time
// from SIGKILL of the leader to the next write a client acknowledges, with a
// client that knows every endpoint and retries. It reports the figures and
// asserts only correctness (every round recovers, every acknowledged write
// survives): timings on shared, noisy cores make poor assertions.
//
// The normal suite runs 2 rounds (about 8 s), which never kill the same node
// twice; the measurement behind the figures is ten:
//
//	DROVER_FAILOVER_ROUNDS=10 go test -count=1 -run TestFailoverTiming -v ./cmd/drover
//
// With raft-wal v0.4.0, a node killed a second time after its log tail was
// truncated (the usual fate of a killed leader's unreplicated entries) may
// fail to restart with "sealed segment has no index block"
// (hashicorp/raft-wal#31, fixed upstream by #33): more rounds can hit that
// bug until the dependency carries the fix.
func TestFailoverTiming(t *testing.T) {
	rounds := 2
	if s := os.Getenv("DROVER_FAILOVER_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("DROVER_FAILOVER_ROUNDS=%q: want a positive integer", s)
		}
		rounds = n
	}
	c := startCluster(t, 3)
	leader := c.waitLeader(30 * time.Second)

	ctx, stop := context.WithCancel(context.Background())
	w := &timedWriter{notify: make(chan struct{}, 1)}
	writerDone := make(chan struct{})
	go func() { defer close(writerDone); w.run(ctx, c.client(), "fo") }()
	stopWriter := func() { stop(); <-writerDone }
	defer stopWriter()
	if _, ok := w.nextAck(time.Now(), 30*time.Second); !ok {
		t.Fatal("the writer got no write acknowledged before the first kill")
	}

	var figures []time.Duration
	for r := 1; r <= rounds; r++ {
		killed := leader
		killedAt := time.Now()
		killed.cmd.Process.Signal(syscall.SIGKILL)
		<-killed.done
		// The next acknowledged write is the first whose call began after
		// the old leader was gone, so that no answer it sent before dying
		// counts; this overstates the figure by at most one write's latency.
		ack, ok := w.nextAck(time.Now(), 20*time.Second)
		if !ok {
			t.Fatalf("round %d: no write acknowledged within 20s of killing leader %s", r, killed.id)
		}
		d := ack.Sub(killedAt)
		figures = append(figures, d)
		c.start(killed)
		leader = c.waitLeader(30 * time.Second)
		t.Logf("round %2d: killed leader %s; next write acknowledged after %v; new leader %s",
			r, killed.id, d.Round(time.Millisecond), leader.id)
	}
	stopWriter()

	sorted := slices.Clone(figures)
	slices.Sort(sorted)
	t.Logf("failover over %d rounds (SIGKILL of leader -> next acknowledged write): median %v, max %v, all %v",
		len(sorted), median(sorted).Round(time.Millisecond), sorted[len(sorted)-1].Round(time.Millisecond), roundAll(figures))

	acked, fails := w.result()
	t.Logf("%d writes acknowledged, %d calls failed", len(acked), fails)
	got := mustList(t, c.client(), false)
	for name, rv := range acked {
		if got[name] != rv {
			t.Errorf("acknowledged write %s (revision %d) is missing or changed (revision %d)", name, rv, got[name])
		}
	}
	// Every node, the restarted ones included, ends up with every write.
	for _, n := range c.nodes {
		deadline := time.Now().Add(15 * time.Second)
		for {
			local := mustList(t, c.client(n), true)
			missing := 0
			for name := range acked {
				if _, ok := local[name]; !ok {
					missing++
				}
			}
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("node %s lacks %d acknowledged writes", n.id, missing)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func median(sorted []time.Duration) time.Duration {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

func roundAll(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// timedWriter sends sequential creates, each call bounded by a short
// timeout (the client fails over and retries within it), and records when
// each acknowledged call began and ended.
type timedWriter struct {
	mu     sync.Mutex
	acked  map[string]uint64
	acks   []ackTime
	fails  int
	notify chan struct{}
}

type ackTime struct{ start, end time.Time }

func (w *timedWriter) run(ctx context.Context, cl *client.Client, prefix string) {
	w.mu.Lock()
	w.acked = map[string]uint64{}
	w.mu.Unlock()
	for i := 0; ctx.Err() == nil; i++ {
		name := fmt.Sprintf("%s-%d", prefix, i)
		start := time.Now()
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		obj, err := cl.Create(cctx, configMap(name, "x"))
		cancel()
		end := time.Now()
		w.mu.Lock()
		if err == nil {
			w.acked[name] = obj.Metadata.ResourceVersion
			w.acks = append(w.acks, ackTime{start, end})
		} else {
			w.fails++
		}
		w.mu.Unlock()
		if err == nil {
			select {
			case w.notify <- struct{}{}:
			default:
			}
		}
	}
}

// nextAck waits for the first acknowledged call that began at or after
// since and returns when it was acknowledged.
func (w *timedWriter) nextAck(since time.Time, timeout time.Duration) (time.Time, bool) {
	deadline := time.After(timeout)
	for {
		w.mu.Lock()
		for i := len(w.acks) - 1; i >= 0 && !w.acks[i].start.Before(since); i-- {
			if i == 0 || w.acks[i-1].start.Before(since) {
				end := w.acks[i].end
				w.mu.Unlock()
				return end, true
			}
		}
		w.mu.Unlock()
		select {
		case <-w.notify:
		case <-deadline:
			return time.Time{}, false
		}
	}
}

func (w *timedWriter) result() (map[string]uint64, int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.acked, w.fails
}

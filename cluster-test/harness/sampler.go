package harness

import (
	"context"
	"sync"
	"time"

	"github.com/drover/drover/client"
	"github.com/drover/drover/cluster-test/history"
)

// sampleInterval is how often every node is asked for its Raft view (P8
// asks for at most 100 ms).
const sampleInterval = 100 * time.Millisecond

// Sample is one node's Raft and gossip view at one time.
type Sample struct {
	T       int64  `json:"t"`
	Node    int    `json:"node"`
	Term    uint64 `json:"term"`
	State   string `json:"state"`
	Leader  string `json:"leader,omitempty"`
	Applied uint64 `json:"applied"`
	Commit  uint64 `json:"commit"`
	// Gossip is each member's gossip state as this node sees it.
	Gossip map[string]string `json:"gossip,omitempty"`
}

// sampler polls every node's status.
type sampler struct {
	c   *Cluster
	rec *history.Recorder

	mu      sync.Mutex
	samples []Sample
	latest  map[int]Sample
}

func newSampler(c *Cluster, rec *history.Recorder) *sampler {
	return &sampler{c: c, rec: rec, latest: map[int]Sample{}}
}

// run polls until ctx ends.
func (s *sampler) run(ctx context.Context) {
	var wg sync.WaitGroup
	for i := 1; i <= s.c.Size(); i++ {
		wg.Go(func() { s.poll(ctx, i) })
	}
	wg.Wait()
}

func (s *sampler) poll(ctx context.Context, i int) {
	cl, err := s.c.Client(i)
	if err != nil {
		return
	}
	defer cl.Close()
	t := time.NewTicker(sampleInterval)
	defer t.Stop()
	for {
		s.once(ctx, cl, i)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *sampler) once(ctx context.Context, cl *client.Client, i int) {
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	st, err := cl.StatusOf(cctx, 0)
	if err != nil {
		return
	}
	smp := Sample{T: s.rec.Now(), Node: i, Term: st.GetTerm(), State: st.GetState(), Leader: st.GetLeaderId(),
		Applied: st.GetAppliedIndex(), Commit: st.GetCommitIndex(), Gossip: map[string]string{}}
	for _, m := range st.GetMembers() {
		if m.GetGossip() != "" {
			smp.Gossip[m.GetId()] = m.GetGossip()
		}
	}
	s.mu.Lock()
	s.samples = append(s.samples, smp)
	s.latest[i] = smp
	s.mu.Unlock()
}

// all returns every sample so far.
func (s *sampler) all() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample(nil), s.samples...)
}

// leader is the node that most recently claimed leadership in the highest
// term seen in the latest samples of running, unpaused nodes, or 0.
func (s *sampler) leader() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	best, term := 0, uint64(0)
	for i, smp := range s.latest {
		if smp.State == "Leader" && smp.Term >= term && s.c.Running(i) && !s.c.Paused(i) {
			best, term = i, smp.Term
		}
	}
	return best
}

// latestOf is node i's newest sample.
func (s *sampler) latestOf(i int) (Sample, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	smp, ok := s.latest[i]
	return smp, ok
}

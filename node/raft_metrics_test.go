package node

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	metrics "github.com/hashicorp/go-metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// /metrics carries hashicorp/raft's own timings once the leader has
// committed and applied a write.
func TestRaftMetricsExported(t *testing.T) {
	c := newTestCluster(t, 1, func(cfg *Config) { cfg.HTTPAddr = freeAddr(t) })
	li, _ := c.leader()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.client(li).Create(ctx, configMap("metrics")); err != nil {
		t.Fatal(err)
	}
	code, body := c.debugRequest(li, http.MethodGet, "/metrics", nil)
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", code, body)
	}
	for _, name := range []string{"drover_raft_commit_seconds_count", "drover_raft_fsm_apply_batch_seconds_count", "drover_raft_leader_log_store_seconds_count"} {
		if !hasPositiveSample(body, name) {
			t.Errorf("/metrics has no sample %s > 0", name)
		}
	}
}

// hasPositiveSample reports whether text has a sample line for name whose
// value is not zero.
func hasPositiveSample(text, name string) bool {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v != "0"
		}
	}
	return false
}

// The sink keeps the timings it knows, each in its histogram, and drops
// every other key raft reports.
func TestRaftTimingsRouting(t *testing.T) {
	s := newRaftTimings()
	s.AddSample([]string{"raft", "commitTime"}, 2)
	s.AddSample([]string{"raft", "leader", "dispatchLog"}, 1)
	s.AddSample([]string{"raft", "rpc", "appendEntries", "storeLogs"}, 1)
	s.AddSample([]string{"raft", "fsm", "applyBatch"}, 1)
	s.AddSample([]string{"raft", "leader", "lastContact"}, 1)
	s.AddSampleWithLabels([]string{"raft", "replication", "appendEntries", "rpc"}, 3, []metrics.Label{{Name: "peer_id", Value: "node2"}})
	// Dropped: other keys, the legacy per-peer key, a shorter or longer key.
	s.AddSample([]string{"raft", "replication", "appendEntries", "rpc", "node2"}, 3)
	s.AddSample([]string{"raft", "rpc", "appendEntries"}, 1)
	s.AddSample([]string{"raft"}, 1)
	s.AddSample([]string{"raft", "commitTime", "x"}, 1)
	s.IncrCounter([]string{"raft", "apply"}, 1)

	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			name := f.GetName()
			for _, l := range m.GetLabel() {
				name += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			got[name] = m.GetHistogram().GetSampleCount()
		}
	}
	want := map[string]uint64{
		"drover_raft_commit_seconds": 1, "drover_raft_leader_log_store_seconds": 1,
		"drover_raft_follower_log_store_seconds": 1, "drover_raft_fsm_apply_batch_seconds": 1,
		"drover_raft_leader_last_contact_seconds": 1, "drover_raft_append_entries_rpc_seconds{peer=node2}": 1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("samples per series %v, want %v", got, want)
	}
}

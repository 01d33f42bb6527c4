package node

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
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
	for _, name := range []string{"drover_raft_commitTime_count", "drover_raft_fsm_applyBatch_count", "drover_raft_leader_dispatchLog_count"} {
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

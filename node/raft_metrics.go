package node

import (
	"sync"

	metrics "github.com/hashicorp/go-metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// hashicorp/raft reports its timings through go-metrics' process-wide sink.
// raftTimings is that sink: it keeps a few of them as Prometheus
// histograms and drops the rest at once. (go-metrics' own Prometheus sink
// keeps every sample raft emits, several per RPC, in quantile summaries:
// 6 % of a follower's CPU under the watch benchmark.) One sink serves every
// node in the process; each node's /metrics gathers it.
type raftTimings struct {
	commit, leaderStore, followerStore, applyBatch, lastContact prometheus.Histogram
	appendRPC                                                   *prometheus.HistogramVec
}

// raftTimingBuckets span 50 µs to 2.5 s.
var raftTimingBuckets = prometheus.ExponentialBuckets(0.00005, 2.5, 13)

func newRaftTimings() *raftTimings {
	h := func(name, help string) prometheus.Histogram {
		return prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: "drover", Subsystem: "raft", Name: name,
			Help: help, Buckets: raftTimingBuckets})
	}
	return &raftTimings{
		commit:        h("commit_seconds", "Leader: from appending an entry to its commit (raft.commitTime)."),
		leaderStore:   h("leader_log_store_seconds", "Leader: writing and fsyncing a batch of entries to its log (raft.leader.dispatchLog)."),
		followerStore: h("follower_log_store_seconds", "Follower: writing and fsyncing the entries of an AppendEntries (raft.rpc.appendEntries.storeLogs)."),
		applyBatch:    h("fsm_apply_batch_seconds", "Applying one batch of committed entries to the state (raft.fsm.applyBatch)."),
		lastContact:   h("leader_last_contact_seconds", "Leader: time since each follower last answered, sampled (raft.leader.lastContact)."),
		appendRPC: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "drover", Subsystem: "raft",
			Name: "append_entries_rpc_seconds", Help: "Leader: AppendEntries round trip per follower (raft.replication.appendEntries.rpc).",
			Buckets: raftTimingBuckets}, []string{"peer"}),
	}
}

// Describe and Collect make the sink a prometheus.Collector.
func (t *raftTimings) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range t.collectors() {
		c.Describe(ch)
	}
}

func (t *raftTimings) Collect(ch chan<- prometheus.Metric) {
	for _, c := range t.collectors() {
		c.Collect(ch)
	}
}

func (t *raftTimings) collectors() []prometheus.Collector {
	return []prometheus.Collector{t.commit, t.leaderStore, t.followerStore, t.applyBatch, t.lastContact, t.appendRPC}
}

// histogram returns the histogram for a raft timing key, nil for the rest.
func (t *raftTimings) histogram(key []string) prometheus.Histogram {
	if len(key) < 2 || key[0] != "raft" {
		return nil
	}
	switch {
	case len(key) == 2 && key[1] == "commitTime":
		return t.commit
	case len(key) == 3 && key[1] == "leader" && key[2] == "dispatchLog":
		return t.leaderStore
	case len(key) == 3 && key[1] == "leader" && key[2] == "lastContact":
		return t.lastContact
	case len(key) == 3 && key[1] == "fsm" && key[2] == "applyBatch":
		return t.applyBatch
	case len(key) == 4 && key[1] == "rpc" && key[2] == "appendEntries" && key[3] == "storeLogs":
		return t.followerStore
	}
	return nil
}

// AddSample records a timing raft reports in milliseconds.
func (t *raftTimings) AddSample(key []string, ms float32) {
	if h := t.histogram(key); h != nil {
		h.Observe(float64(ms) / 1000)
	}
}

// AddSampleWithLabels records the per-follower AppendEntries round trip.
func (t *raftTimings) AddSampleWithLabels(key []string, ms float32, labels []metrics.Label) {
	if len(key) == 4 && key[0] == "raft" && key[1] == "replication" && key[2] == "appendEntries" && key[3] == "rpc" {
		for _, l := range labels {
			if l.Name == "peer_id" {
				t.appendRPC.WithLabelValues(l.Value).Observe(float64(ms) / 1000)
			}
		}
		return
	}
	t.AddSample(key, ms)
}

// The rest of go-metrics' MetricSink is dropped.
func (*raftTimings) SetGauge([]string, float32)                               {}
func (*raftTimings) SetGaugeWithLabels([]string, float32, []metrics.Label)    {}
func (*raftTimings) EmitKey([]string, float32)                                {}
func (*raftTimings) IncrCounter([]string, float32)                            {}
func (*raftTimings) IncrCounterWithLabels([]string, float32, []metrics.Label) {}

var raftMetrics struct {
	once sync.Once
	sink *raftTimings
	err  error
}

// raftMetricsCollector installs the process-wide sink on first use and
// returns it.
func raftMetricsCollector() (prometheus.Collector, error) {
	raftMetrics.once.Do(func() {
		sink := newRaftTimings()
		conf := metrics.DefaultConfig("") // keys as raft gives them
		conf.EnableHostname = false
		conf.EnableRuntimeMetrics = false
		if _, err := metrics.NewGlobal(conf, sink); err != nil {
			raftMetrics.err = err
			return
		}
		raftMetrics.sink = sink
	})
	return raftMetrics.sink, raftMetrics.err
}

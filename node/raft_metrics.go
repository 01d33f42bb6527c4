package node

import (
	"sync"
	"time"

	metrics "github.com/hashicorp/go-metrics"
	promsink "github.com/hashicorp/go-metrics/prometheus"
	"github.com/prometheus/client_golang/prometheus"
)

// raftMetrics holds hashicorp/raft's own measurements (raft.commitTime,
// raft.leader.dispatchLog, raft.rpc.appendEntries.storeLogs,
// raft.fsm.applyBatch, raft.replication.appendEntries.rpc, ...). Raft
// reports them through go-metrics' process-wide sink, so one sink serves
// every node in the process; each node's /metrics gathers it.
var raftMetrics struct {
	once sync.Once
	sink *promsink.PrometheusSink
	err  error
}

// raftMetricsCollector installs the process-wide go-metrics sink on first
// use and returns it. Timings are summaries in milliseconds over the last
// 10 s (quantiles 0.5, 0.9, 0.99), named drover_raft_..., for example
// drover_raft_commitTime.
func raftMetricsCollector() (prometheus.Collector, error) {
	raftMetrics.once.Do(func() {
		sink, err := promsink.NewPrometheusSinkFrom(promsink.PrometheusOpts{
			Name: "drover_raft_sink",
			// The sink registers itself; keep it off the default registry.
			Registerer: prometheus.NewRegistry(),
			// Series not updated for this long (a departed peer's) go.
			Expiration: 5 * time.Minute,
		})
		if err != nil {
			raftMetrics.err = err
			return
		}
		conf := metrics.DefaultConfig("drover")
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

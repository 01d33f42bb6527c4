package node

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// startHTTP serves health, metrics, profiles and replica-agreement checks
// on cfg.HTTPAddr:
//
//	/healthz        200 while the node runs
//	/readyz         200 once the node knows a leader, else 503
//	/status         this node's Raft view as JSON
//	/metrics        Prometheus metrics, hashicorp/raft's timings included
//	/debug/pprof/   Go profiles
//	GET /debug/fsm-hash[?index=N]
//	                the FSM hash chain as JSON {"applied_index":A,"hash":"<hex>"}
//	                (raftstore.FSM.HashChain); with index, the chain once entry N
//	                was applied, {"index":N,"applied_index":A,"hash":"<hex>"}, or
//	                404 when N is not among the last 1024 command entries kept
//	GET /debug/raft-log[?from=A&to=B]
//	                a digest of the local Raft log as JSON {"first_index",
//	                "last_index","commit_index","entries":[{"index","term",
//	                "type","sha256"}]}: entries held in [A, B] (default: all),
//	                at most 10,000 per call (raftstore.Store.LogDigest); page on
//	                with from = the last index returned + 1
//	GET /debug/failpoints, PUT /debug/failpoints/{name}
//	                only in builds with -tags failpoints (registerFailpoints)
//
// A malformed, repeated or unknown query parameter gets a 400.
func (n *Node) startHTTP() error {
	if n.cfg.HTTPAddr == "" {
		return nil
	}
	lis, err := net.Listen("tcp", n.cfg.HTTPAddr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", n.serveReady)
	mux.HandleFunc("/status", n.serveStatus)
	reg, err := n.metricsRegistry()
	if err != nil {
		lis.Close()
		return err
	}
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /debug/fsm-hash", n.serveFSMHash)
	mux.HandleFunc("GET /debug/raft-log", n.serveRaftLog)
	registerFailpoints(mux)
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	n.http = &http.Server{Handler: mux}
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		if err := n.http.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			n.logger.Error("http server stopped", "err", err)
		}
	}()
	return nil
}

func (n *Node) serveReady(w http.ResponseWriter, _ *http.Request) {
	if id, _ := n.store.Leader(); id == "" {
		http.Error(w, "no leader", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

func (n *Node) serveStatus(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(n.status())
}

// metricsRegistry holds the Go runtime metrics, this node's Raft gauges and
// hashicorp/raft's own timings (raftMetricsCollector).
func (n *Node) metricsRegistry() (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	raftTimings, err := raftMetricsCollector()
	if err != nil {
		return nil, err
	}
	reg.MustRegister(raftTimings)
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "drover", Name: name, Help: help}, f))
	}
	gauge("applied_index", "Last Raft index applied to the state.", func() float64 { return float64(n.fsm.AppliedIndex()) })
	gauge("commit_index", "Raft commit index.", func() float64 { return float64(n.store.Raft().CommitIndex()) })
	gauge("term", "Current Raft term.", func() float64 { return float64(n.store.Raft().CurrentTerm()) })
	gauge("is_leader", "1 when this node leads an established term.", func() float64 {
		if n.store.IsLeader() {
			return 1
		}
		return 0
	})
	gauge("watchers", "Open watch streams on this node.", func() float64 { return float64(n.hub.Watchers()) })
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "drover", Name: name, Help: help}, f))
	}
	counter("watch_refills_total", "Times a watch fell behind the live stream and refilled from the history.",
		func() float64 { return float64(n.hub.Refills()) })
	counter("proposed_entries_total", "Raft entries this node proposed as leader.", func() float64 {
		e, _ := n.store.ProposalStats()
		return float64(e)
	})
	counter("proposed_ops_total", "Operations carried by those entries (group commit).", func() float64 {
		_, o := n.store.ProposalStats()
		return float64(o)
	})
	gauge("snapshot_threshold_entries", "New log entries that trigger a snapshot, adapted to the state's size.",
		func() float64 { return float64(n.store.SnapshotThreshold()) })
	gauge("history_compacted_revision", "Revision up to which the watch history was compacted.",
		func() float64 { return float64(n.fsm.CompactedRevision()) })
	return reg, nil
}

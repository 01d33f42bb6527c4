package harness

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/drover/drover/cluster-test/checker/linear"
	"github.com/drover/drover/cluster-test/checker/replay"
	"github.com/drover/drover/cluster-test/history"
)

// linearTimeout bounds each porcupine phase.
const linearTimeout = 3 * time.Minute

// Check runs every property check on the collected run and builds the
// report.
func (r *Run) Check() *Report {
	streams := r.collectAllStreams()
	log, logNode := r.referenceLog(streams)
	var vs []Verdict
	st, err := replay.Replay(log)
	if err != nil {
		vs = append(vs, fail("P2 log replays", fmt.Sprintf("the committed log from %s does not replay: %v", logNode, err)))
	}
	in := linear.Input{Ops: r.Ops, Log: log, LogComplete: err == nil && r.FinalRevision != 0 && len(r.Problems) == 0,
		Timeout: linearTimeout, OutDir: r.cfg.OutDir}
	vs = append(vs, fromLinear(linear.CheckLinearizable(in), "P1 linearizable"))
	vs = append(vs, fromLinear(linear.CheckDurable(in), "P3 acknowledged writes survive"))
	vs = append(vs, fromLinear(linear.CheckOutcomes(r.Ops), "P11 outcomes classified"))
	if st != nil {
		vs = append(vs, fromReplay(replay.CheckRevisions(r.Ops, st), "P2 revisions"))
		vs = append(vs, fromReplay(replay.CheckWatches(r.Sessions, st), "P4 watch guarantees"))
		vs = append(vs, fromReplay(replay.CheckCompaction(r.Sessions, r.Ops, st), "P6 compaction"))
		vs = append(vs, r.checkInformers(st, log), r.checkNATS(log))
	}
	vs = append(vs, fromReplay(replay.CheckStreams(streams, r.FinalRevision), "P5 node streams agree"))
	vs = append(vs, r.checkReplicas(), r.checkLeaders())
	phases := r.phases()
	vs = append(vs, r.checkAvailability(phases), r.checkGossip())
	for i := range vs {
		if !vs[i].OK && vs[i].Evidence == "" {
			vs[i].Evidence = r.evidence(vs[i].Property)
		}
	}
	return r.report(sortedVerdicts(vs), phases)
}

// collectAllStreams groups the collect-all watchers' sessions by node.
func (r *Run) collectAllStreams() map[string][]history.WatchSession {
	out := map[string][]history.WatchSession{}
	for _, s := range r.Sessions {
		for _, i := range r.c.Members() {
			if s.Watcher == collectAllID(i) {
				out[r.c.ID(i)] = append(out[r.c.ID(i)], s)
			}
		}
	}
	return out
}

// referenceLog is the committed log the checks replay: the merged
// collect-all stream that reached furthest (P5 checks that all agree).
func (r *Run) referenceLog(streams map[string][]history.WatchSession) ([]history.Event, string) {
	var best []history.Event
	var node string
	var reached uint64
	for _, i := range r.c.Members() {
		m := replay.Merge(streams[r.c.ID(i)])
		if node == "" || m.Reached > reached {
			best, node, reached = m.Events, r.c.ID(i), m.Reached
		}
	}
	var log []history.Event
	for _, e := range best {
		if e.Type != history.Bookmark {
			log = append(log, e)
		}
	}
	return log, node
}

func fromLinear(res linear.Result, name string) Verdict {
	v := Verdict{Property: name, OK: res.OK, Summary: res.Verdict, Evidence: res.VisualizationPath}
	if res.Detail != "" {
		v.Summary += ": " + res.Detail
	}
	if res.OK && res.Stats.Checked > 0 {
		v.Summary = fmt.Sprintf("%s (%d operations; unknown writes: %d resolved from the log, %d never applied, %d open; %s)",
			res.Verdict, res.Stats.Checked, res.Stats.Resolved, res.Stats.Dropped, res.Stats.Unresolved,
			(res.Stats.PerObject + res.Stats.Full).Round(time.Millisecond))
	}
	return v
}

func fromReplay(res replay.Result, name string) Verdict {
	if res.OK {
		return pass(name, fmt.Sprintf("%d checked", res.Checked))
	}
	return fail(name, strings.ReplaceAll(res.Detail, "\n", "; "))
}

// evidence names the files that show a failed property.
func (r *Run) evidence(prop string) string {
	dir := r.cfg.OutDir
	switch {
	case strings.HasPrefix(prop, "P4"), strings.HasPrefix(prop, "P5"), strings.HasPrefix(prop, "P6"):
		return filepath.Join(dir, "watches.json")
	case strings.HasPrefix(prop, "P7"):
		return filepath.Join(dir, "replicas.json") + ", " + filepath.Join(dir, "nodes")
	case strings.HasPrefix(prop, "P8"), strings.HasPrefix(prop, "P13"):
		return filepath.Join(dir, "samples.json")
	case strings.HasPrefix(prop, "P12"):
		return filepath.Join(dir, "history.json") + ", " + filepath.Join(dir, "timeline.json")
	}
	return filepath.Join(dir, "history.json") + ", " + filepath.Join(dir, "nodes")
}

// report assembles the report.
func (r *Run) report(vs []Verdict, phases []Phase) *Report {
	rep := &Report{Scenario: fmt.Sprintf("%d (%s)", r.cfg.Scenario.Num, r.cfg.Scenario.Name), Nodes: r.cfg.Nodes,
		Seed: r.cfg.Seed, Duration: r.cfg.Duration.String(), Timeline: r.Timeline, Counts: countOps(r.Ops),
		Phases: phases, WatchSessions: len(r.Sessions), FinalRevision: r.FinalRevision, Problems: r.Problems,
		Verdicts: vs, OutDir: r.cfg.OutDir, Passed: len(r.Problems) == 0}
	for _, s := range r.Sessions {
		rep.WatchEvents += len(s.Events)
	}
	for _, v := range vs {
		rep.Passed = rep.Passed && v.OK
	}
	rep.TrafficStart = r.TrafficStart
	return rep
}

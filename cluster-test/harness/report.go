package harness

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/drover/drover/cluster-test/history"
)

// Report is the outcome of a run, as printed and as saved (report.json).
type Report struct {
	Scenario      string         `json:"scenario"`
	Nodes         int            `json:"nodes"`
	Seed          uint64         `json:"seed"`
	Duration      string         `json:"duration"`
	Timeline      []Fault        `json:"timeline"`
	Counts        map[string]int `json:"counts"`
	Phases        []Phase        `json:"phases"`
	WatchSessions int            `json:"watch_sessions"`
	WatchEvents   int            `json:"watch_events"`
	FinalRevision uint64         `json:"final_revision"`
	Problems      []string       `json:"problems,omitempty"`
	Verdicts      []Verdict      `json:"verdicts"`
	OutDir        string         `json:"out_dir"`
	Passed        bool           `json:"passed"`
	// TrafficStart is when traffic began (recorder time): the report's
	// timeline counts from it.
	TrafficStart int64 `json:"traffic_start"`
}

// Summary is the report in one line.
func (rep *Report) Summary() string {
	var failed []string
	for _, v := range rep.Verdicts {
		if !v.OK {
			failed = append(failed, strings.Fields(v.Property)[0])
		}
	}
	res := "PASS"
	if !rep.Passed {
		res = "FAIL"
		if len(failed) > 0 {
			res += " (" + strings.Join(failed, ",") + ")"
		}
	}
	return fmt.Sprintf("%s — %d ok, %d unknown, %d failed ops; %s", res, rep.Counts["ok"], rep.Counts["unknown"],
		rep.Counts["fail"], rep.OutDir)
}

// countOps counts operations by kind and outcome ("create/ok": 12).
func countOps(ops []history.Operation) map[string]int {
	out := map[string]int{}
	for _, op := range ops {
		out[string(op.Kind)+"/"+string(op.Outcome)]++
		out[string(op.Outcome)]++
	}
	return out
}

// Print writes the report for a person.
func (rep *Report) Print(w io.Writer) {
	start := rep.TrafficStart
	fmt.Fprintf(w, "\ncluster-test: scenario %s, %d nodes, seed %d, traffic %s\n", rep.Scenario, rep.Nodes, rep.Seed, rep.Duration)
	fmt.Fprintln(w, "\nFault timeline (seconds since traffic started):")
	if len(rep.Timeline) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, p := range rep.Phases {
		fmt.Fprintf(w, "  %s  %s\n", span(p.Fault, start), p.Fault.What)
	}
	c := rep.Counts
	fmt.Fprintf(w, "\nOperations: %d ok, %d failed (definite), %d unknown\n", c["ok"], c["fail"], c["unknown"])
	for _, k := range []history.Kind{history.Get, history.List, history.Create, history.Update, history.Delete} {
		fmt.Fprintf(w, "  %-7s ok %6d   fail %6d   unknown %5d\n", k, c[string(k)+"/ok"], c[string(k)+"/fail"], c[string(k)+"/unknown"])
	}
	rep.printAvailability(w)
	fmt.Fprintf(w, "\nWatches: %d sessions, %d events received; final revision %d\n", rep.WatchSessions, rep.WatchEvents, rep.FinalRevision)
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "  problem: %s\n", p)
	}
	fmt.Fprintln(w, "\nChecks:")
	for _, v := range rep.Verdicts {
		mark := "PASS"
		if !v.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s  %-30s %s\n", mark, v.Property, v.Summary)
		if v.Evidence != "" {
			fmt.Fprintf(w, "        evidence: %s\n", v.Evidence)
		}
	}
	fmt.Fprintf(w, "\nHistories, samples and node logs: %s\n", rep.OutDir)
	if rep.Passed {
		fmt.Fprintln(w, "Result: PASS")
	} else {
		fmt.Fprintln(w, "Result: FAIL")
	}
}

func (rep *Report) printAvailability(w io.Writer) {
	if len(rep.Phases) == 0 {
		return
	}
	fmt.Fprintln(w, "\nWrite availability per fault:")
	for _, p := range rep.Phases {
		during := "no write acknowledged during it"
		if p.ResumedAfter >= 0 {
			during = fmt.Sprintf("writes resumed %s after it began (%d acked during it)", secs(p.ResumedAfter), p.WritesOK)
		}
		after := ""
		if p.RecoveredAfter >= 0 {
			after = fmt.Sprintf("; first write %s after it ended", secs(p.RecoveredAfter))
		}
		expect := ""
		if p.MajorityExpected {
			expect = " [majority up]"
		}
		fmt.Fprintf(w, "  %-40s %s%s%s\n", trim(p.Fault.What, 40), during, after, expect)
	}
}

func span(f Fault, start int64) string {
	end := "    …"
	if f.End != 0 {
		end = fmt.Sprintf("%6.1f", float64(f.End-start)/1e9)
	}
	return fmt.Sprintf("%6.1f–%s", float64(f.Start-start)/1e9, strings.TrimSpace(end))
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n-1] + "…"
	}
	return s
}

// sortedVerdicts orders verdicts by property number.
func sortedVerdicts(vs []Verdict) []Verdict {
	sort.SliceStable(vs, func(i, j int) bool { return propNum(vs[i].Property) < propNum(vs[j].Property) })
	return vs
}

func propNum(p string) int {
	var n int
	fmt.Sscanf(strings.TrimPrefix(p, "P"), "%d", &n)
	return n
}

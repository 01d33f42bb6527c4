package linear

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// CheckLinearizable checks P1. Unknown writes are first settled against
// the log; lists at a past revision are compared with the replayed log;
// then revisions must follow real time; then porcupine checks each object
// on its own (gets and writes), and finally the whole history with lists.
// A search that times out gives an unknown verdict, never a false one. The
// Verdict is Linearizable, NotLinearizable, InvalidHistory or
// "unknown: timed out after <timeout>".
func CheckLinearizable(in Input) Result {
	h, err := prepare(in)
	if err != nil {
		return Result{Property: "P1", Verdict: InvalidHistory, Detail: err.Error()}
	}
	k := &checker{h: h, in: in, model: h.model(), res: Result{Property: "P1", Stats: h.stats}}
	k.run()
	return k.res
}

// checker runs P1's phases, stopping at the first verdict.
type checker struct {
	h     *hist
	in    Input
	model porcupine.Model
	res   Result
}

// run performs the phases in order (see DESIGN.md).
func (k *checker) run() {
	if d := k.h.checkListsAtRevision(); d != "" {
		k.illegal(d)
		return
	}
	if d := checkRevisionOrder(k.h.calls); d != "" {
		k.illegal(d + k.visualizeOnly(k.h.calls, "full"))
		return
	}
	if k.perObject() {
		k.full()
	}
}

// perObject checks each object's gets and writes on their own, in
// parallel, and reports whether to go on.
func (k *checker) perObject() bool {
	start := time.Now()
	groups := k.h.byObject()
	results := make([]porcupine.CheckResult, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		wg.Go(func() { results[i] = porcupine.CheckOperationsTimeout(k.model, operations(g), k.in.timeout()) })
	}
	wg.Wait()
	k.res.Stats.PerObject = time.Since(start)
	for i, r := range results {
		if r == porcupine.Illegal {
			k.illegal(k.diagnose(groups[i], k.h.names[i]))
			return false
		}
	}
	for _, r := range results {
		if r == porcupine.Unknown {
			k.timedOut("the per-object check")
			return false
		}
	}
	return true
}

// full checks the whole history, lists included.
func (k *checker) full() {
	start := time.Now()
	r := porcupine.CheckOperationsTimeout(k.model, operations(k.h.calls), k.in.timeout())
	k.res.Stats.Full = time.Since(start)
	switch r {
	case porcupine.Illegal:
		k.illegal(k.diagnose(k.h.calls, "full"))
	case porcupine.Unknown:
		k.timedOut("the full check (with lists)")
	default:
		k.res.OK, k.res.Verdict, k.res.Detail = true, Linearizable, k.summary()
	}
}

// byObject splits the calls other than lists by object.
func (h *hist) byObject() [][]*call {
	groups := make([][]*call, len(h.names))
	for _, c := range h.calls {
		if c.key >= 0 {
			groups[c.key] = append(groups[c.key], c)
		}
	}
	return groups
}

// illegal records a NOT linearizable verdict.
func (k *checker) illegal(detail string) {
	k.res.OK, k.res.Verdict, k.res.Detail = false, NotLinearizable, detail
}

// timedOut records an unknown verdict.
func (k *checker) timedOut(phase string) {
	k.res.TimedOut = true
	k.res.Verdict = fmt.Sprintf("unknown: timed out after %s", k.in.timeout())
	k.res.Detail = phase + " did not finish; " + k.summary()
}

// diagnose re-runs porcupine verbosely on calls it found illegal, names
// the operation it could not place and writes the visualization.
func (k *checker) diagnose(calls []*call, label string) string {
	r, info := porcupine.CheckOperationsVerbose(k.model, operations(calls), k.in.timeout())
	if r != porcupine.Illegal {
		return fmt.Sprintf("%s: illegal, but the re-check for details returned %s", label, r)
	}
	return label + ": " + k.h.stuck(info, calls) + k.visualize(info, label)
}

// visualizeOnly writes the visualization of calls if porcupine finds
// them illegal within the timeout; it returns visualize's note.
func (k *checker) visualizeOnly(calls []*call, label string) string {
	if k.in.OutDir == "" {
		return ""
	}
	r, info := porcupine.CheckOperationsVerbose(k.model, operations(calls), k.in.timeout())
	if r != porcupine.Illegal {
		return fmt.Sprintf(" (no visualization: porcupine returned %s)", r)
	}
	return k.visualize(info, label)
}

// visualize writes porcupine's HTML to OutDir, if one was given, and
// returns a note for the detail if that failed.
func (k *checker) visualize(info porcupine.LinearizationInfo, label string) string {
	if k.in.OutDir == "" {
		return ""
	}
	path := filepath.Join(k.in.OutDir, "linearizability-"+label+".html")
	err := os.MkdirAll(k.in.OutDir, 0o755)
	if err == nil {
		err = porcupine.VisualizePath(k.model, info, path)
	}
	if err != nil {
		return fmt.Sprintf(" (visualization: %v)", err)
	}
	k.res.VisualizationPath = path
	return ""
}

// summary says what a passing or timed-out check looked at.
func (k *checker) summary() string {
	s := k.res.Stats
	atRev := "matched the log"
	if !k.in.LogComplete {
		atRev = "not checked (log incomplete)"
	}
	return fmt.Sprintf("%d operations checked; unknown writes: %d applied (%d of them per a read, not the log), %d dropped (not in the log), %d dropped (precondition already gone), %d left unknown; "+
		"%d reads excluded (stale or without a result); %d lists at a past revision %s; per-object %s, full %s",
		s.Checked, s.Resolved, s.SeenByRead, s.Dropped, s.Impossible, s.Unresolved, s.Excluded, s.ListsAtRevision, atRev,
		s.PerObject.Round(time.Millisecond), s.Full.Round(time.Millisecond))
}

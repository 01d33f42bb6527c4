package harness

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/drover/drover/cluster-test/history"
)

// resumeBound is how long writes may stay unavailable after a fault that
// leaves a majority, or after healing: the 1 s election timeout, a
// failed-over client's retries, and a wide margin for a loaded machine.
const resumeBound = 10 * time.Second

// Phase is the availability of writes around one fault.
type Phase struct {
	Fault Fault `json:"fault"`
	// WritesOK counts acknowledged writes that returned during the fault.
	WritesOK int `json:"writes_ok"`
	// ResumedAfter is how long after the fault began the first write
	// invoked after its start was acknowledged (-1: none during it).
	ResumedAfter time.Duration `json:"resumed_after"`
	// RecoveredAfter is how long after the fault ended the first write
	// invoked after its end was acknowledged (-1: none).
	RecoveredAfter time.Duration `json:"recovered_after"`
	// MajorityExpected says a majority stayed connected and up, so writes
	// should have resumed during the fault.
	MajorityExpected bool `json:"majority_expected"`
}

// okWrites are the acknowledged writes, by return time.
func okWrites(ops []history.Operation) []history.Operation {
	var out []history.Operation
	for _, op := range ops {
		if op.Kind.IsWrite() && op.Outcome == history.OK {
			out = append(out, op)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Return < out[j].Return })
	return out
}

// firstAckAfter is the delay from t to the first ack of a write invoked at
// or after t, ending before until (0: no bound); -1 if none.
func firstAckAfter(writes []history.Operation, t, until int64) time.Duration {
	for _, w := range writes {
		if w.Invoke >= t && (until == 0 || w.Return < until) {
			return time.Duration(w.Return - t)
		}
	}
	return -1
}

// phases computes write availability around every fault.
func (r *Run) phases() []Phase {
	writes := okWrites(r.Ops)
	var out []Phase
	for fi, f := range r.Timeline {
		p := Phase{Fault: f, ResumedAfter: firstAckAfter(writes, f.Start, f.End),
			RecoveredAfter: -1, MajorityExpected: r.majorityExpected(fi)}
		for _, w := range writes {
			if w.Return >= f.Start && (f.End == 0 || w.Return < f.End) {
				p.WritesOK++
			}
		}
		if f.End != 0 {
			p.RecoveredAfter = firstAckAfter(writes, f.End, 0)
		}
		out = append(out, p)
	}
	return out
}

// majorityExpected reports whether fault fi, alone at its time, leaves a
// majority of nodes up and connected.
func (r *Run) majorityExpected(fi int) bool {
	f := r.Timeline[fi]
	for j, g := range r.Timeline {
		if j != fi && g.Start < endOr(f.End) && f.Start < endOr(g.End) {
			return false // overlapping faults: no simple expectation
		}
	}
	switch f.Kind {
	case "kill", "pause":
		return len(f.Nodes) <= (f.Members-1)/2
	case "partition":
		return strings.HasPrefix(f.What, "isolate") || strings.HasPrefix(f.What, "partition")
	}
	return false
}

func endOr(t int64) int64 {
	if t == 0 {
		return 1 << 62
	}
	return t
}

// checkAvailability is P12: the final write succeeds; writes resume within
// resumeBound after each fault ends, and during each fault that leaves a
// majority and lasts longer than the bound.
func (r *Run) checkAvailability(phases []Phase) Verdict {
	const prop = "P12 bounded unavailability"
	if r.FinalRevision == 0 {
		return fail(prop, fmt.Sprintf("the final write failed: %v", r.FinalErr))
	}
	if r.FinalLatency > finalWriteBound {
		return fail(prop, fmt.Sprintf("the final write, after healing, took %s", secs(r.FinalLatency)))
	}
	var problems []string
	for _, p := range phases {
		if p.Fault.End != 0 && (p.RecoveredAfter < 0 || p.RecoveredAfter > resumeBound) && !r.recoveredByFinal(p) {
			problems = append(problems, fmt.Sprintf("no write within %s after %q ended", resumeBound, p.Fault.What))
		}
		if p.MajorityExpected && !majorityWritable(p) {
			problems = append(problems, fmt.Sprintf("majority not writable during %q (%s)", p.Fault.What,
				secs(time.Duration(p.Fault.End-p.Fault.Start))))
		}
	}
	if len(problems) > 0 {
		return fail(prop, strings.Join(firstN(problems, 4), "; "))
	}
	return pass(prop, fmt.Sprintf("final write ok; writes resumed after each of %d faults", len(phases)))
}

// finalWriteBound is how long the final write, made once every fault is
// healed and every node restarted, may take: a restart and an election,
// with a margin for a loaded machine.
const finalWriteBound = resumeBound + 5*time.Second

// majorityWriteWindow is the shortest fault during which a connected
// majority must acknowledge a write: an election (1 s timeout), clients
// giving up on a lost leader (3 s) and a margin.
const majorityWriteWindow = 5 * time.Second

// majorityWritable reports whether a fault that left a majority up and
// connected saw writes resume in time: within resumeBound, and at all
// when it lasted at least majorityWriteWindow.
func majorityWritable(p Phase) bool {
	d := time.Duration(endOr(p.Fault.End) - p.Fault.Start)
	switch {
	case d < majorityWriteWindow:
		return true
	case p.ResumedAfter < 0:
		return false
	}
	return p.ResumedAfter <= resumeBound
}

// recoveredByFinal excuses a fault that ended after the traffic stopped:
// the final write is then the first write after it.
func (r *Run) recoveredByFinal(p Phase) bool {
	return p.Fault.End >= r.TrafficEnd-int64(resumeBound) && r.FinalRevision != 0
}

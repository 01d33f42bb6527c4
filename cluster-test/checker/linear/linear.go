// Package linear checks the object workload's history: P1, that the object
// API is linearizable (with porcupine, against a model of a few objects and
// a global revision); P3, that every acknowledged write is in the committed
// log; and P11, that outcomes are classified soundly. DESIGN.md explains how
// unknown writes are resolved against the log and how the search is kept
// tractable.
package linear

import (
	"time"

	"github.com/drover/drover/cluster-test/history"
)

// DefaultTimeout bounds each porcupine phase when Input.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// Verdicts of CheckLinearizable. A timed-out check reports
// "unknown: timed out after <timeout>".
const (
	Linearizable    = "linearizable"
	NotLinearizable = "NOT linearizable"
	InvalidHistory  = "invalid history"
)

// Input is what the checks read.
type Input struct {
	// Ops is the object workload's history.
	Ops []history.Operation
	// Log is the committed changes of the namespace in revision order, as
	// watchers saw them (no bookmarks).
	Log []history.Event
	// LogComplete says Log holds every change of the run; only then may an
	// unknown write absent from it be taken as never applied.
	LogComplete bool
	// Timeout bounds each porcupine phase; 0 means DefaultTimeout.
	Timeout time.Duration
	// OutDir receives porcupine's HTML visualization when a check fails;
	// "" writes none.
	OutDir string
}

// Result is one property's verdict.
type Result struct {
	// Property is "P1", "P3" or "P11".
	Property string
	// OK is true only for a positive verdict; a timed-out check is not OK.
	OK bool
	// Verdict is the one-line answer, e.g. Linearizable or NotLinearizable.
	Verdict string
	// Detail says, briefly, which objects and operations are involved.
	Detail string
	// VisualizationPath is the porcupine HTML written for a failed check.
	VisualizationPath string
	// TimedOut reports that the verdict is unknown because a search timed
	// out.
	TimedOut bool
	// Stats describes what a linearizability check looked at.
	Stats Stats
}

// Stats counts what CheckLinearizable did with the history.
type Stats struct {
	// Checked is the number of operations given to porcupine.
	Checked int
	// Excluded counts stale reads and reads without a result.
	Excluded int
	// ListsAtRevision counts lists at a past revision, compared with the
	// log instead (skipped when the log is incomplete).
	ListsAtRevision int
	// Resolved counts unknown writes the log shows were applied, or, if
	// the log is incomplete and does not hold them, a read returned.
	Resolved int
	// SeenByRead counts those of Resolved that a read settled.
	SeenByRead int
	// Dropped counts unknown writes a complete log shows never applied.
	Dropped int
	// Impossible counts unknown writes the log did not settle whose
	// precondition's version was gone before they began: dropped.
	Impossible int
	// Unresolved counts unknown writes left to fork the model's state.
	Unresolved int
	// PerObject and Full are the durations of the two porcupine phases.
	PerObject, Full time.Duration
}

func (in Input) timeout() time.Duration {
	if in.Timeout > 0 {
		return in.Timeout
	}
	return DefaultTimeout
}

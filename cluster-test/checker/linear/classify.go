package linear

import (
	"fmt"
	"sort"
	"strings"

	"github.com/drover/drover/cluster-test/history"
)

// maxExamples caps the operations a report quotes.
const maxExamples = 5

// KindCounts counts one kind's outcomes.
type KindCounts struct {
	OK, Fail, Unknown int
}

// Counts is P11's classification of a history.
type Counts struct {
	// ByKind counts outcomes per kind of call.
	ByKind map[history.Kind]KindCounts
	// BadFails counts writes classified Fail with a code that is not a
	// definite refusal (e.g. Unavailable, DeadlineExceeded): a harness bug,
	// since such a write may have taken effect.
	BadFails int
	// Retries counts written values that more than one operation wrote: a
	// client retried a non-idempotent write blindly.
	Retries int
	// Examples quotes the first few offending operations.
	Examples []string
}

// Classify counts ok, fail and unknown outcomes per kind, and finds
// writes misclassified as failed and blindly retried writes.
func Classify(ops []history.Operation) Counts {
	c := Counts{ByKind: map[history.Kind]KindCounts{}}
	writers := map[string]int{}
	for i := range ops {
		op := &ops[i]
		c.count(op)
		if op.Kind.IsWrite() && op.Outcome == history.Fail && uncertain(op) {
			c.BadFails++
			c.example("failed without a definite refusal: " + describeOp(op))
		}
		if op.Kind.IsWrite() && op.Value != "" {
			if writers[op.Value]++; writers[op.Value] == 2 {
				c.Retries++
				c.example("value written again (blind retry?): " + describeOp(op))
			}
		}
	}
	return c
}

// count adds op's outcome.
func (c *Counts) count(op *history.Operation) {
	k := c.ByKind[op.Kind]
	switch op.Outcome {
	case history.OK:
		k.OK++
	case history.Fail:
		k.Fail++
	default:
		k.Unknown++
	}
	c.ByKind[op.Kind] = k
}

// example quotes an offending operation, if fewer than maxExamples are.
func (c *Counts) example(s string) {
	if len(c.Examples) < maxExamples {
		c.Examples = append(c.Examples, s)
	}
}

// OK reports whether no write was misclassified or retried.
func (c Counts) OK() bool { return c.BadFails == 0 && c.Retries == 0 }

// String renders the counts per kind, e.g. "update 120/30/2".
func (c Counts) String() string {
	kinds := make([]string, 0, len(c.ByKind))
	for k := range c.ByKind {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	parts := []string{"ok/fail/unknown:"}
	for _, k := range kinds {
		n := c.ByKind[history.Kind(k)]
		parts = append(parts, fmt.Sprintf("%s %d/%d/%d", k, n.OK, n.Fail, n.Unknown))
	}
	return strings.Join(parts, " ")
}

// CheckOutcomes checks P11 with Classify.
func CheckOutcomes(ops []history.Operation) Result {
	c := Classify(ops)
	res := Result{Property: "P11", OK: c.OK(), Verdict: "outcomes classified soundly", Detail: c.String()}
	if !res.OK {
		res.Verdict = fmt.Sprintf("%d writes failed without a definite refusal, %d values written twice", c.BadFails, c.Retries)
		res.Detail = strings.Join(c.Examples, "; ")
	}
	return res
}

package linear

import (
	"fmt"
	"strings"
	"time"

	"github.com/drover/drover/cluster-test/history"
)

// describeOp renders an operation briefly: client, call, answer, interval.
func describeOp(op *history.Operation) string {
	return fmt.Sprintf("client %d %s -> %s [%s, %s]", op.Client, describeRequest(op),
		describeAnswer(op), seconds(op.Invoke), seconds(op.Return))
}

// describeRequest renders what op asked.
func describeRequest(op *history.Operation) string {
	s := string(op.Kind)
	if op.Kind == history.List && op.AtRevision != 0 {
		s += fmt.Sprintf(" at %d", op.AtRevision)
	}
	if op.Name != "" {
		s += " " + op.Name
	}
	if op.Value != "" {
		s += fmt.Sprintf(" %q", op.Value)
	}
	if op.Precondition != 0 {
		s += fmt.Sprintf(" if rv %d", op.Precondition)
	}
	if op.Stale {
		s += " (stale)"
	}
	return s
}

// describeAnswer renders how op ended.
func describeAnswer(op *history.Operation) string {
	switch {
	case op.Outcome != history.OK:
		return fmt.Sprintf("%s %s", op.Outcome, op.Code)
	case op.Kind == history.List:
		return fmt.Sprintf("revision %d %s", op.Revision, describeItems(op.Items))
	case op.Kind == history.Get && !op.Found:
		return "not found"
	case op.Result == nil:
		return "ok"
	}
	return fmt.Sprintf("%q@%d", op.Result.Value, op.Result.Revision)
}

// describeItems renders a list's items, the first few only.
func describeItems(items []history.Item) string {
	const most = 10
	var parts []string
	for i, it := range items {
		if i == most {
			parts = append(parts, fmt.Sprintf("and %d more", len(items)-most))
			break
		}
		parts = append(parts, fmt.Sprintf("%s=%q@%d", it.Name, it.Value, it.Revision))
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// seconds renders a history time (ns since the run started).
func seconds(ns int64) string {
	return fmt.Sprintf("%.3fs", time.Duration(ns).Seconds())
}

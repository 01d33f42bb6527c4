package replay

import (
	"fmt"
	"strings"
)

// Result is one property's verdict.
type Result struct {
	// Property names what was checked ("P2", "P4", ...).
	Property string
	// OK reports that no violation was found.
	OK bool
	// Detail is the number of violations and the first few of them, one a
	// line, human-readable; empty when OK.
	Detail string
	// Checked counts the things checked (operations, events, sessions).
	Checked int
}

// String is a one-line summary followed by Detail.
func (r Result) String() string {
	verdict := "ok"
	if !r.OK {
		verdict = "FAIL"
	}
	s := fmt.Sprintf("%s %s (%d checked)", r.Property, verdict, r.Checked)
	if r.Detail != "" {
		s += "\n" + r.Detail
	}
	return s
}

// maxDetail is how many violations a Result spells out.
const maxDetail = 10

// violations collects what a checker found.
type violations struct {
	n     int
	first []string
}

// add records one violation.
func (v *violations) add(format string, args ...any) {
	v.n++
	if len(v.first) < maxDetail {
		v.first = append(v.first, fmt.Sprintf(format, args...))
	}
}

// result turns the collection into a Result.
func (v *violations) result(property string, checked int) Result {
	r := Result{Property: property, OK: v.n == 0, Checked: checked}
	if v.n > 0 {
		r.Detail = fmt.Sprintf("%d violation(s):\n%s", v.n, strings.Join(v.first, "\n"))
		if v.n > len(v.first) {
			r.Detail += fmt.Sprintf("\n... and %d more", v.n-len(v.first))
		}
	}
	return r
}

package harness

// Verdict is one property's result.
type Verdict struct {
	Property string `json:"property"`
	OK       bool   `json:"ok"`
	// Summary is one line: what was checked, or what went wrong.
	Summary string `json:"summary"`
	// Evidence points at files that show a failure.
	Evidence string `json:"evidence,omitempty"`
}

func pass(prop, summary string) Verdict { return Verdict{Property: prop, OK: true, Summary: summary} }
func fail(prop, summary string) Verdict { return Verdict{Property: prop, Summary: summary} }

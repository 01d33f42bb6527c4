package harness

import (
	"fmt"
	"sort"
)

// checkLeaders is P8: at most one node claims leadership in any term.
func (r *Run) checkLeaders() Verdict {
	const prop = "P8 one leader per term"
	leaders := map[uint64]map[int]bool{}
	for _, s := range r.Samples {
		if s.State == "Leader" {
			if leaders[s.Term] == nil {
				leaders[s.Term] = map[int]bool{}
			}
			leaders[s.Term][s.Node] = true
		}
	}
	var terms []uint64
	for t, nodes := range leaders {
		if len(nodes) > 1 {
			terms = append(terms, t)
		}
	}
	if len(terms) > 0 {
		sort.Slice(terms, func(a, b int) bool { return terms[a] < terms[b] })
		return fail(prop, fmt.Sprintf("term %d had leaders %v", terms[0], leaders[terms[0]]))
	}
	return pass(prop, fmt.Sprintf("%d samples, %d terms with a leader", len(r.Samples), len(leaders)))
}

package harness

import (
	"fmt"
	"sort"
	"strings"
)

// checkReplicas is P7: every node's FSM hash chain head is equal at equal
// applied index, and the Raft log entries every node still holds agree.
func (r *Run) checkReplicas() Verdict {
	const prop = "P7 replicas agree"
	if len(r.Replicas) == 0 {
		return fail(prop, "not checked: the run ended before the final write was applied everywhere")
	}
	var problems []string
	hashes := map[string][]string{}
	var index uint64
	for _, i := range r.c.Members() {
		st := r.Replicas[i]
		if st.Err != "" {
			problems = append(problems, fmt.Sprintf("%s: %s", r.c.ID(i), st.Err))
			continue
		}
		if index != 0 && st.AppliedIndex != index {
			problems = append(problems, fmt.Sprintf("applied index differs: %s at %d, others at %d", r.c.ID(i), st.AppliedIndex, index))
		}
		index = st.AppliedIndex
		hashes[st.Hash] = append(hashes[st.Hash], r.c.ID(i))
	}
	if len(hashes) > 1 {
		problems = append(problems, fmt.Sprintf("FSM hash chains differ at index %d: %v", index, hashes))
	}
	entries, logProblems := r.compareLogs()
	problems = append(problems, logProblems...)
	if len(problems) > 0 {
		return fail(prop, strings.Join(firstN(problems, 5), "; "))
	}
	return pass(prop, fmt.Sprintf("hash chains equal at index %d on %d nodes; %d log entries compared", index, len(r.c.Members()), entries))
}

// compareLogs compares, index by index, the log entries the nodes hold.
func (r *Run) compareLogs() (int, []string) {
	byIndex := map[uint64]map[string][]string{}
	commit := uint64(1 << 63)
	for _, st := range r.Replicas {
		if st.Log != nil {
			commit = min(commit, st.Log.CommitIndex)
		}
	}
	for i, st := range r.Replicas {
		if st.Log == nil {
			continue
		}
		for _, e := range st.Log.Entries {
			if e.Index > commit {
				break
			}
			if byIndex[e.Index] == nil {
				byIndex[e.Index] = map[string][]string{}
			}
			key := fmt.Sprintf("term %d %s %s", e.Term, e.Type, e.SHA256)
			byIndex[e.Index][key] = append(byIndex[e.Index][key], r.c.ID(i))
		}
	}
	var bad []uint64
	for idx, keys := range byIndex {
		if len(keys) > 1 {
			bad = append(bad, idx)
		}
	}
	sort.Slice(bad, func(a, b int) bool { return bad[a] < bad[b] })
	var problems []string
	for _, idx := range firstN(bad, 3) {
		problems = append(problems, fmt.Sprintf("log entry %d differs: %v", idx, byIndex[idx]))
	}
	return len(byIndex), problems
}

func firstN[T any](s []T, n int) []T {
	if len(s) > n {
		return s[:n]
	}
	return s
}

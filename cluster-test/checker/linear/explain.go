package linear

import (
	"fmt"
	"strings"

	"github.com/anishathalye/porcupine"
)

// maxReplayStates caps the states stuck describes.
const maxReplayStates = 4

// stuck explains an illegal verdict from porcupine's longest partial
// linearization: the operation that must come next (the earliest to
// return among the rest) and cannot, and the state it would meet.
func (h *hist) stuck(info porcupine.LinearizationInfo, calls []*call) string {
	longest := longestPartial(info)
	done := map[*call]bool{}
	for _, c := range longest {
		done[c] = true
	}
	var next *call
	for _, c := range calls {
		if !done[c] && (next == nil || c.ret < next.ret) {
			next = c
		}
	}
	if next == nil {
		return "porcupine found no order, yet its longest partial order holds every operation"
	}
	return fmt.Sprintf("%d of %d operations linearize, then none can take %s; state there: %s",
		len(longest), len(calls), h.describeCall(next), h.describeStates(h.replay(longest), next.key))
}

// longestPartial is the longest partial linearization porcupine found.
func longestPartial(info porcupine.LinearizationInfo) []*call {
	var best []porcupine.Operation
	for _, partition := range info.PartialLinearizationsOperations() {
		for _, seq := range partition {
			if len(seq) > len(best) {
				best = seq
			}
		}
	}
	out := make([]*call, len(best))
	for i, op := range best {
		out[i] = op.Input.(*call)
	}
	return out
}

// replay runs the model along seq from the initial state; it returns the
// possible states at the end (a few, if unknown writes fork them).
func (h *hist) replay(seq []*call) []state {
	states := []state{{objs: make([]object, len(h.names))}}
	for _, c := range seq {
		var next []state
		for _, s := range states {
			for _, t := range step(s, c) {
				next = addState(next, t.(state))
			}
		}
		states = next
	}
	return states
}

// addState adds s to a set of at most maxReplayStates states.
func addState(set []state, s state) []state {
	for _, t := range set {
		if t.equal(s) {
			return set
		}
	}
	if len(set) == maxReplayStates {
		return set
	}
	return append(set, s)
}

// describeStates renders states, only object key if key >= 0.
func (h *hist) describeStates(states []state, key int) string {
	var parts []string
	for _, s := range states {
		parts = append(parts, h.describeObject(s, key))
	}
	return strings.Join(parts, " or ")
}

// describeObject renders one object of s (all objects if key < 0) and
// the revision bound.
func (h *hist) describeObject(s state, key int) string {
	if key < 0 {
		return h.describeState(s)
	}
	o := s.objs[key]
	if !o.present {
		return fmt.Sprintf("%s absent (revision >= %d)", h.names[key], s.last)
	}
	one := state{objs: make([]object, len(s.objs)), last: s.last}
	one.objs[key] = o
	return h.describeState(one)
}

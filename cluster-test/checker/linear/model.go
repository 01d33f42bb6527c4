package linear

import (
	"fmt"
	"strings"

	"github.com/anishathalye/porcupine"
)

// model is porcupine's model of the object store: a nondeterministic step
// (an unsettled unknown write may or may not apply) turned into a
// deterministic one over sets of states by porcupine's power-set
// construction.
func (h *hist) model() porcupine.Model {
	nm := porcupine.NondeterministicModel{
		Init:              func() []any { return []any{state{objs: make([]object, len(h.names))}} },
		Step:              func(s, in, _ any) []any { return step(s.(state), in.(*call)) },
		Equal:             func(a, b any) bool { return a.(state).equal(b.(state)) },
		Hash:              func(s any) uint64 { return s.(state).hash() },
		DescribeOperation: func(in, _ any) string { return h.describeCall(in.(*call)) },
		DescribeState:     func(s any) string { return h.describeState(s.(state)) },
	}
	return nm.ToModel()
}

// operations turns calls into porcupine's operations.
func operations(calls []*call) []porcupine.Operation {
	ops := make([]porcupine.Operation, len(calls))
	for i, c := range calls {
		ops[i] = porcupine.Operation{ClientId: c.op.Client, Input: c, Call: c.invoke, Return: c.ret}
	}
	return ops
}

// describeCall renders a call for porcupine's visualization.
func (h *hist) describeCall(c *call) string {
	s := describeOp(c.op)
	switch c.effect {
	case applied:
		if c.resolved {
			s += fmt.Sprintf(" [log: applied at %d]", c.rv)
		}
	case maybe:
		s += " [may or may not apply]"
	}
	return s
}

// describeState renders a state: each present object as name=value@rv.
func (h *hist) describeState(s state) string {
	var b strings.Builder
	for k, o := range s.objs {
		if !o.present {
			continue
		}
		rv := fmt.Sprint(o.rv)
		if o.rv == 0 {
			rv = fmt.Sprintf("?>%d", o.lo)
		}
		fmt.Fprintf(&b, "%s=%q@%s ", h.names[k], h.values[o.value], rv)
	}
	fmt.Fprintf(&b, "(revision >= %d)", s.last)
	return b.String()
}

package replay

import (
	"fmt"
	"sort"

	"github.com/drover/drover/cluster-test/history"
)

// CheckRevisions checks P2 over the client operations: per client, in
// invoke order, no answer is older than what the client had already seen,
// and every read equals the replayed state at its revision. DESIGN.md
// lists the rules; in short:
//
//   - a client has seen revision W once a list answered at W, a write
//     returned rv W, or a get returned an object with rv W (the read was
//     at W or later);
//   - a latest, consistent list answers at a revision >= W;
//   - a write returns an rv > W, and the log holds that write at that rv;
//   - a consistent get returns a state of its object current at some
//     revision >= W (not found: absent at some revision >= W), and a get
//     that found the object returns a state the log held;
//   - a list at an explicit revision R answers at R and may lie below W
//     (the client asked for the past);
//   - every list equals the replayed state at its revision exactly;
//   - a stale read is compared only with the client's earlier stale reads
//     served by the same node, which must not be newer.
func CheckRevisions(ops []history.Operation, st *State) Result {
	v := &violations{}
	checked := 0
	for _, client := range byClient(ops) {
		c := &clientCheck{st: st, v: v, stale: map[string]uint64{}}
		for i := range client {
			if c.check(&client[i]) {
				checked++
			}
		}
	}
	return v.result("P2", checked)
}

// byClient splits ops per client, each in invoke order.
func byClient(ops []history.Operation) [][]history.Operation {
	m := map[int][]history.Operation{}
	for _, op := range ops {
		m[op.Client] = append(m[op.Client], op)
	}
	ids := make([]int, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	out := make([][]history.Operation, 0, len(ids))
	for _, id := range ids {
		c := m[id]
		sort.SliceStable(c, func(i, j int) bool { return c[i].Invoke < c[j].Invoke })
		out = append(out, c)
	}
	return out
}

// clientCheck follows one sequential client.
type clientCheck struct {
	st *State
	v  *violations
	// seen is the highest revision the client has seen.
	seen uint64
	// stale is, per node, the highest revision of a stale read it served
	// to this client.
	stale map[string]uint64
}

// check checks one operation; it reports whether there was anything to
// check (a definite answer carrying state).
func (c *clientCheck) check(op *history.Operation) bool {
	switch {
	case op.Outcome != history.OK:
		return false
	case op.Kind == history.List:
		c.list(op)
	case op.Kind == history.Get && !op.Found:
		c.getAbsent(op)
	case op.Kind == history.Get && op.Result != nil:
		c.get(op)
	case op.Kind.IsWrite() && op.Result != nil:
		c.write(op)
	default:
		return false
	}
	return true
}

// fail records a violation by op.
func (c *clientCheck) fail(op *history.Operation, format string, args ...any) {
	c.v.add("client %d, %s (t=%.3fs): %s", op.Client, opName(op), float64(op.Invoke)/1e9, fmt.Sprintf(format, args...))
}

// floor is the revision op's answer must not be older than, and what it is.
func (c *clientCheck) floor(op *history.Operation) (uint64, string) {
	if !op.Stale {
		return c.seen, "the client had already seen"
	}
	return c.stale[servedBy(op)], "a stale read by the same node had already shown"
}

// see raises what the client has seen to rev.
func (c *clientCheck) see(op *history.Operation, rev uint64) {
	c.seen = max(c.seen, rev)
	if node := servedBy(op); op.Stale && node != "" {
		c.stale[node] = max(c.stale[node], rev)
	}
}

// servedBy is the node that answered op ("" when unknown).
func servedBy(op *history.Operation) string {
	if op.AnsweredBy != "" {
		return op.AnsweredBy
	}
	return op.Endpoint
}

// opName renders op for messages.
func opName(op *history.Operation) string {
	switch {
	case op.Kind == history.List && op.AtRevision > 0:
		return fmt.Sprintf("list at %d", op.AtRevision)
	case op.Kind == history.List:
		return "list" + staleMark(op)
	case op.Kind == history.Get:
		return "get " + op.Name + staleMark(op)
	default:
		return fmt.Sprintf("%s %s=%q", op.Kind, op.Name, op.Value)
	}
}

// staleMark labels stale reads.
func staleMark(op *history.Operation) string {
	if op.Stale {
		return " (stale, " + servedBy(op) + ")"
	}
	return ""
}

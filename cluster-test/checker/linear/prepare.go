package linear

import (
	"fmt"
	"sort"

	"github.com/drover/drover/cluster-test/history"
)

// hist is a history made ready for the model: calls for porcupine, lists
// at a past revision for the log comparison, names and values interned.
type hist struct {
	calls []*call
	atRev []*history.Operation
	// names are the objects in name order; keys maps a name to its index.
	names []string
	keys  map[string]int
	// values are the interned values; values[0] is "".
	values []string
	ids    map[string]int32
	lx     *logIndex
	stats  Stats
}

// prepare validates and translates a history, settling uncertain writes
// against the log.
func prepare(in Input) (*hist, error) {
	lx, err := indexLog(in.Log, in.LogComplete)
	if err != nil {
		return nil, err
	}
	if err := validate(in.Ops); err != nil {
		return nil, err
	}
	h := newHist(in.Ops, lx)
	lim := limits{commit: newBounds(in.Ops), gone: newGoneIndex(in.Ops, h.names), horizon: horizonOf(in.Ops)}
	r := newResolver(in.Ops, lx)
	for i := range in.Ops {
		h.add(in.Ops, i, r, lim)
	}
	h.stats.Checked = len(h.calls)
	return h, nil
}

// newHist interns every object name of ops and the log.
func newHist(ops []history.Operation, lx *logIndex) *hist {
	h := &hist{keys: map[string]int{}, values: []string{""}, ids: map[string]int32{"": 0}, lx: lx}
	seen := map[string]bool{}
	for i := range ops {
		seen[ops[i].Name] = true
		for _, it := range ops[i].Items {
			seen[it.Name] = true
		}
	}
	for _, e := range lx.events {
		seen[e.Name] = true
	}
	delete(seen, "")
	for n := range seen {
		h.names = append(h.names, n)
	}
	sort.Strings(h.names)
	for i, n := range h.names {
		h.keys[n] = i
	}
	return h
}

// limits bound when an uncertain write can have taken effect.
type limits struct {
	commit  bounds
	gone    goneIndex
	horizon int64
}

// latest is the latest time uncertain write op can have taken effect at
// revision rv (0: unknown): before rv was known committed, and, for an
// update or delete, before its precondition's version was known gone.
func (l limits) latest(op *history.Operation, rv uint64) int64 {
	t := l.horizon
	if rv != 0 {
		t = l.commit.committedBy(rv, l.horizon)
	}
	if op.Kind != history.Create && op.Precondition != 0 {
		t = min(t, l.gone.goneBy(op.Name, op.Precondition, l.horizon))
	}
	return t
}

// add translates ops[i].
func (h *hist) add(ops []history.Operation, i int, r *resolver, lim limits) {
	op := &ops[i]
	switch {
	case !op.Kind.IsWrite():
		h.addRead(op)
	case uncertain(op):
		h.addUncertain(op, r.resolve(ops, i), lim)
	case op.Outcome == history.Fail:
		h.calls = append(h.calls, h.newCall(op, failed))
	default:
		h.calls = append(h.calls, h.written(op, op.Result))
	}
}

// addRead keeps a read with a result; lists at a past revision go to the
// log comparison, stale reads are not required to be linearizable.
func (h *hist) addRead(op *history.Operation) {
	switch {
	case op.Stale || op.Outcome != history.OK:
		h.stats.Excluded++
	case op.Kind == history.List && op.AtRevision != 0:
		h.atRev = append(h.atRev, op)
		h.stats.ListsAtRevision++
	default:
		h.calls = append(h.calls, h.readCall(op))
	}
}

// addUncertain adds an unknown write as the log settled it: dropped if it
// never happened; applied at the log's revision; or forking. Either of the
// last two stays pending until it can no longer take effect (see
// limits.latest); a fork that could not take effect even at its invoke is
// dropped as well.
func (h *hist) addUncertain(op *history.Operation, res resolution, lim limits) {
	switch res.fate {
	case neverHappened:
		h.stats.Dropped++
	case tookEffect:
		h.stats.Resolved++
		if res.byRead {
			h.stats.SeenByRead++
		}
		c := h.written(op, &history.Item{Name: op.Name, Value: res.event.Value, Revision: res.event.Revision})
		c.resolved, c.ret = true, max(op.Invoke, lim.latest(op, c.rv))
		h.calls = append(h.calls, c)
	default:
		h.addFork(op, lim.latest(op, 0))
	}
}

// addFork adds an unsettled unknown write that can take effect until ret.
func (h *hist) addFork(op *history.Operation, ret int64) {
	if ret < op.Invoke {
		h.stats.Impossible++
		return
	}
	h.stats.Unresolved++
	c := h.newCall(op, maybe)
	c.ret = ret
	h.calls = append(h.calls, c)
}

// newCall is the part of a call every kind shares.
func (h *hist) newCall(op *history.Operation, eff effect) *call {
	c := &call{op: op, kind: op.Kind, effect: eff, key: -1, value: h.intern(op.Value),
		pre: op.Precondition, invoke: op.Invoke, ret: op.Return}
	if op.Kind != history.List {
		c.key = h.keys[op.Name]
	}
	if eff == failed {
		c.refusal = definiteWriteCodes[op.Code]
	}
	return c
}

// written is a write that took effect with result res.
func (h *hist) written(op *history.Operation, res *history.Item) *call {
	c := h.newCall(op, applied)
	c.outValue, c.rv = h.intern(res.Value), res.Revision
	return c
}

// readCall is a get or a list at the latest revision, with its result.
func (h *hist) readCall(op *history.Operation) *call {
	c := h.newCall(op, read)
	if op.Kind == history.List {
		c.revision = op.Revision
		for _, it := range op.Items {
			c.items = append(c.items, item{key: h.keys[it.Name], value: h.intern(it.Value), rv: it.Revision})
		}
		return c
	}
	if c.found = op.Found; op.Found {
		c.outValue, c.rv = h.intern(op.Result.Value), op.Result.Revision
	}
	return c
}

// intern returns v's id, adding it if new.
func (h *hist) intern(v string) int32 {
	id, ok := h.ids[v]
	if !ok {
		id = int32(len(h.values))
		h.ids[v] = id
		h.values = append(h.values, v)
	}
	return id
}

// horizonOf is a time after every invoke and return of ops: the return
// of an unknown write that may take effect at any later time.
func horizonOf(ops []history.Operation) int64 {
	var t int64
	for i := range ops {
		t = max(t, ops[i].Invoke, ops[i].Return)
	}
	return t + 1
}

// validate rejects histories the checker cannot read soundly.
func validate(ops []history.Operation) error {
	for i := range ops {
		if err := validateOp(&ops[i]); err != nil {
			return fmt.Errorf("operation %d (%s): %w", i, describeOp(&ops[i]), err)
		}
	}
	return nil
}

// validateOp checks one operation's shape.
func validateOp(op *history.Operation) error {
	switch {
	case op.Kind != history.List && !op.Kind.IsWrite() && op.Kind != history.Get:
		return fmt.Errorf("unknown kind %q", op.Kind)
	case op.Kind != history.List && op.Name == "":
		return fmt.Errorf("no object name")
	case op.Outcome != history.OK && op.Outcome != history.Fail && op.Outcome != history.Unknown:
		return fmt.Errorf("outcome %q", op.Outcome)
	case op.Outcome != history.Unknown && op.Return < op.Invoke:
		return fmt.Errorf("returns before it was invoked")
	case op.Outcome == history.OK && op.Kind.IsWrite() && (op.Result == nil || op.Result.Revision == 0):
		return fmt.Errorf("ok write without a result revision")
	case op.Outcome == history.OK && op.Kind == history.Get && op.Found && op.Result == nil:
		return fmt.Errorf("get found the object but has no result")
	}
	return nil
}

package replay

import (
	"sort"

	"github.com/drover/drover/cluster-test/history"
)

// list checks a list's revision and items.
func (c *clientCheck) list(op *history.Operation) {
	rev := op.Revision
	if op.AtRevision > 0 && rev != 0 && rev != op.AtRevision {
		c.fail(op, "answered at revision %d", rev)
	}
	if rev == 0 {
		rev = op.AtRevision
	}
	if rev == 0 {
		c.fail(op, "answer carries no revision")
		return
	}
	if floor, why := c.floor(op); op.AtRevision == 0 && rev < floor {
		c.fail(op, "answered at revision %d, below %d %s", rev, floor, why)
	}
	c.compareList(op, rev)
	c.see(op, rev)
}

// compareList checks that op's items are exactly the replayed state at rev.
func (c *clientCheck) compareList(op *history.Operation, rev uint64) {
	want := c.st.At(rev)
	got := map[string]bool{}
	for _, it := range op.Items {
		w, ok := want[it.Name]
		switch {
		case got[it.Name]:
			c.fail(op, "at revision %d: %s listed twice", rev, it.Name)
		case !ok:
			c.fail(op, "at revision %d: lists %s=%q@%d, absent in the log", rev, it.Name, it.Value, it.Revision)
		case w != it:
			c.fail(op, "at revision %d: lists %s=%q@%d, the log has %q@%d", rev, it.Name, it.Value, it.Revision, w.Value, w.Revision)
		}
		got[it.Name] = true
	}
	for _, name := range missing(want, got) {
		c.fail(op, "at revision %d: misses %s=%q@%d", rev, name, want[name].Value, want[name].Revision)
	}
}

// missing lists, sorted, the names in want but not in got.
func missing(want map[string]history.Item, got map[string]bool) []string {
	var out []string
	for name := range want {
		if !got[name] {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// get checks a get that found its object.
func (c *clientCheck) get(op *history.Operation) {
	it := *op.Result
	if op.Name != "" && it.Name != op.Name {
		c.fail(op, "returned object %s", it.Name)
	}
	next, ok := c.st.supersededAt(it.Name, it)
	if !ok {
		c.fail(op, "returned %q@%d, which the log never held", it.Value, it.Revision)
		return
	}
	if floor, why := c.floor(op); next <= floor {
		c.fail(op, "returned %q@%d, replaced at %d, but %s %d", it.Value, it.Revision, next, why, floor)
	}
	c.see(op, it.Revision)
}

// getAbsent checks a get that did not find its object.
func (c *clientCheck) getAbsent(op *history.Operation) {
	if floor, why := c.floor(op); !c.st.absentFrom(op.Name, floor) {
		c.fail(op, "found nothing, but the object existed at every revision from %d, which %s", floor, why)
	}
}

// write checks an acknowledged write's returned revision.
func (c *clientCheck) write(op *history.Operation) {
	rev := op.Result.Revision
	if rev <= c.seen {
		c.fail(op, "returned revision %d, not above %d the client had already seen", rev, c.seen)
	}
	if !c.st.logged(op.Kind, op.Name, op.Value, rev) {
		c.fail(op, "acknowledged at revision %d, but the log holds no such change there", rev)
	}
	c.see(op, rev)
}

package linear

import "github.com/drover/drover/cluster-test/history"

// step returns the states c can lead to from s; none if c is impossible
// there. Only an unsettled unknown write has two (not applied, applied).
func step(s state, c *call) []any {
	switch c.effect {
	case read:
		return some(readStep(s, c))
	case failed:
		return some(s, refusalHolds(s.objs[c.key], c))
	case applied:
		return some(applyStep(s, c))
	}
	out := []any{s}
	if t, ok := maybeStep(s, c); ok {
		out = append(out, t)
	}
	return out
}

// some is a step's states: t, or none if !ok.
func some(t state, ok bool) []any {
	if !ok {
		return nil
	}
	return []any{t}
}

// readStep checks a get or a list at the latest revision against s,
// binding the resourceVersions it reveals.
func readStep(s state, c *call) (state, bool) {
	if c.kind == history.List {
		return listStep(s, c)
	}
	o := s.objs[c.key]
	switch {
	case !c.found || !o.present:
		return s, c.found == o.present
	case o.rv != 0:
		return s, o.rv == c.rv && o.value == c.outValue
	}
	o, ok := bindRV(o, c.rv)
	if !ok || o.value != c.outValue {
		return s, false
	}
	return s.with(c.key, o).raise(c.rv), true
}

// listStep checks a list: exactly the present objects, in name order, each
// as in s, at a revision no lower than any linearized write; writes after it
// must be above its revision.
func listStep(s state, c *call) (state, bool) {
	if c.revision < s.last || len(c.items) != present(s) {
		return s, false
	}
	t := state{objs: s.objs, last: c.revision, closed: true}
	for i, it := range c.items {
		o, ok := bindRV(t.objs[it.key], it.rv)
		if !ok || !o.present || o.value != it.value || it.rv > c.revision || i > 0 && it.key <= c.items[i-1].key {
			return s, false
		}
		if o != t.objs[it.key] {
			t = t.with(it.key, o)
		}
	}
	return t, true
}

// present counts the present objects of s.
func present(s state) int {
	n := 0
	for _, o := range s.objs {
		if o.present {
			n++
		}
	}
	return n
}

// refusalHolds reports whether a definite failure fits object o.
func refusalHolds(o object, c *call) bool {
	switch c.refusal {
	case refusedExists:
		return o.present
	case refusedAbsent:
		return !o.present
	case refusedConflict:
		return o.present && (o.rv == 0 || o.rv != c.pre)
	}
	return true
}

// applyStep applies a write that took effect at revision c.rv.
func applyStep(s state, c *call) (state, bool) {
	o, ok := admits(s.objs[c.key], c)
	if !ok || !s.admitsRevision(c.rv) || c.rv <= max(o.rv, o.lo) {
		return s, false
	}
	if c.kind == history.Delete {
		if o.value != c.outValue {
			return s, false
		}
		o = object{}
	} else {
		if c.outValue != c.value {
			return s, false
		}
		o = object{present: true, value: c.value, rv: c.rv}
	}
	return s.with(c.key, o).raise(c.rv), true
}

// maybeStep is the applied branch of an unsettled unknown write: its
// revision is unknown, above every revision linearized so far.
func maybeStep(s state, c *call) (state, bool) {
	o, ok := admits(s.objs[c.key], c)
	if !ok {
		return s, false
	}
	last := max(s.last, o.rv, o.lo)
	lo := last
	if lo == s.last && !s.closed && lo > max(o.rv, o.lo) {
		lo-- // it may share the newest write's revision
	}
	if c.kind == history.Delete {
		o = object{}
	} else {
		o = object{present: true, value: c.value, lo: lo}
	}
	return s.with(c.key, o).raise(last), true
}

// admits reports whether write c's condition holds on o: absent for a
// create; present, with the precondition's resourceVersion if any, for an
// update or delete. It returns o with that resourceVersion bound.
func admits(o object, c *call) (object, bool) {
	if c.kind == history.Create {
		return o, !o.present
	}
	if !o.present {
		return o, false
	}
	if c.pre == 0 {
		return o, true
	}
	return bindRV(o, c.pre)
}

package linear

// object is one object in the model. rv 0 on a present object means its
// resourceVersion is not known yet (an unknown write the log could not
// settle): it is some revision above lo, bound by the next read of it.
type object struct {
	present bool
	value   int32
	rv      uint64
	lo      uint64
}

// state is the model's state: every object, and last, a lower bound of the
// store's revision (the highest revision a linearized write made or a
// linearized list read at). One Raft entry may carry several writes, so
// concurrent writes may share a revision: a write may land at last itself
// unless closed, which a list at last sets (every write at a revision a
// list has read is in that list). States are values: steps copy before
// writing.
type state struct {
	objs   []object
	last   uint64
	closed bool
}

// admitsRevision reports whether a write may take effect at rv.
func (s state) admitsRevision(rv uint64) bool {
	return rv > s.last || rv == s.last && !s.closed
}

// raise returns s with last raised to rv by a write or a get (which do
// not close a revision).
func (s state) raise(rv uint64) state {
	if rv > s.last {
		s.last, s.closed = rv, false
	}
	return s
}

// with returns s with object k replaced.
func (s state) with(k int, o object) state {
	objs := make([]object, len(s.objs))
	copy(objs, s.objs)
	objs[k] = o
	return state{objs: objs, last: s.last, closed: s.closed}
}

// bindRV returns o with its resourceVersion fixed at rv, reporting whether
// rv is possible: equal to a known one, or above lo for an unknown one.
func bindRV(o object, rv uint64) (object, bool) {
	if o.rv != 0 {
		return o, o.rv == rv
	}
	if rv <= o.lo {
		return o, false
	}
	o.rv = rv
	return o, true
}

// equal compares two states.
func (s state) equal(t state) bool {
	if s.last != t.last || s.closed != t.closed || len(s.objs) != len(t.objs) {
		return false
	}
	for i := range s.objs {
		if s.objs[i] != t.objs[i] {
			return false
		}
	}
	return true
}

// hash mixes a state into 64 bits; equal states hash equally.
func (s state) hash() uint64 {
	h := mix(14695981039346656037, s.last)
	if s.closed {
		h = mix(h, 1)
	}
	for _, o := range s.objs {
		if o.present {
			h = mix(mix(mix(h, uint64(o.value)), o.rv), o.lo)
		} else {
			h = mix(h, 0)
		}
	}
	return h
}

// mix folds v into h (FNV-style multiply, then a xor-shift).
func mix(h, v uint64) uint64 {
	h = (h ^ v) * 1099511628211
	return h ^ h>>29
}

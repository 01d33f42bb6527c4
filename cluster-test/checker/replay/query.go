package replay

import (
	"sort"

	"github.com/drover/drover/cluster-test/history"
)

// supersededAt finds it among name's observable versions and returns the
// revision that replaced it (never if it is still current); ok is false if
// the log never held it at the end of a revision.
func (st *State) supersededAt(name string, it history.Item) (next uint64, ok bool) {
	o := st.objects[name]
	if o == nil {
		return 0, false
	}
	i := o.at(it.Revision)
	if i < 0 || o.versions[i].rev != it.Revision || !o.versions[i].present || o.versions[i].item.Value != it.Value {
		return 0, false
	}
	if i+1 < len(o.versions) {
		return o.versions[i+1].rev, true
	}
	return never, true
}

// absentFrom reports whether name was absent at the end of some revision
// at or after rev.
func (st *State) absentFrom(name string, rev uint64) bool {
	if _, ok := st.ItemAt(name, rev); !ok {
		return true
	}
	return st.objects[name].lastAbsent > rev
}

// batchAfter is the index of the first batch with a revision above rev.
func (st *State) batchAfter(rev uint64) int {
	return sort.Search(len(st.batches), func(i int) bool { return st.batches[i].rev > rev })
}

// batchAt returns the batch of revision rev.
func (st *State) batchAt(rev uint64) (batch, bool) {
	if rev == 0 {
		return batch{}, false
	}
	i := st.batchAfter(rev - 1)
	if i == len(st.batches) || st.batches[i].rev != rev {
		return batch{}, false
	}
	return st.batches[i], true
}

// slot returns the log position of the k-th (from 0) event about name at
// revision rev.
func (st *State) slot(rev uint64, name string, k int) (int, bool) {
	b, ok := st.batchAt(rev)
	if !ok {
		return 0, false
	}
	for pos := b.lo; pos < b.hi; pos++ {
		if st.log[pos].Name != name {
			continue
		}
		if k == 0 {
			return pos, true
		}
		k--
	}
	return 0, false
}

// wantType is the type log[pos] must be delivered with: DELETED for a
// delete, otherwise ADDED exactly when the object did not exist just before.
func (st *State) wantType(pos int) history.EventType {
	switch {
	case st.log[pos].Type == history.Deleted:
		return history.Deleted
	case st.existed[pos]:
		return history.Modified
	default:
		return history.Added
	}
}

// matching counts the events of b a watch with selector sel delivers.
func (st *State) matching(sel string, b batch) int {
	n := 0
	for _, e := range st.log[b.lo:b.hi] {
		if history.Matches(sel, e.Name) {
			n++
		}
	}
	return n
}

// firstMatching returns the first event in (after, upto] that a watch with
// selector sel delivers.
func (st *State) firstMatching(sel string, after, upto uint64) (history.Event, bool) {
	for i := st.batchAfter(after); i < len(st.batches) && st.batches[i].rev <= upto; i++ {
		for _, e := range st.log[st.batches[i].lo:st.batches[i].hi] {
			if history.Matches(sel, e.Name) {
				return e, true
			}
		}
	}
	return history.Event{}, false
}

// logged reports whether the log holds a change of kind k to name at rev
// (for create and update, writing value).
func (st *State) logged(k history.Kind, name, value string, rev uint64) bool {
	b, ok := st.batchAt(rev)
	if !ok {
		return false
	}
	for pos := b.lo; pos < b.hi; pos++ {
		e := st.log[pos]
		if e.Name == name && writeMatches(k, e, value) {
			return true
		}
	}
	return false
}

// writeMatches reports whether log event e is the effect of a write of
// kind k with value.
func writeMatches(k history.Kind, e history.Event, value string) bool {
	switch k {
	case history.Create:
		return e.Type == history.Added && e.Value == value
	case history.Update:
		return e.Type == history.Modified && e.Value == value
	case history.Delete:
		return e.Type == history.Deleted
	}
	return false
}

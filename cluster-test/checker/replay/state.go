package replay

import (
	"fmt"
	"math"
	"sort"

	"github.com/drover/drover/cluster-test/history"
)

// never is the revision at which a state still current at the end of the
// log is superseded.
const never = math.MaxUint64

// State is the committed log replayed: every object's observable versions,
// so the state at any revision can be read back, and the log itself indexed
// by revision for the watch checkers.
type State struct {
	log []history.Event
	// existed[i] reports whether log[i]'s object existed just before it.
	existed []bool
	batches []batch
	objects map[string]*object
}

// batch is the events of one revision: log[lo:hi].
type batch struct {
	rev    uint64
	lo, hi int
}

// object is one name's history: one version per revision that changed it,
// the state at the end of that revision (the only one a read can observe).
type object struct {
	versions []version
	// lastAbsent is the highest revision at whose end the object was
	// absent (0: never after its first version).
	lastAbsent uint64
}

// version is an object's state from rev until the next version.
type version struct {
	rev     uint64
	item    history.Item
	present bool
}

// Replay replays the committed log. It fails if the log is malformed:
// revisions decreasing or zero, an event without a name, ADDED of a present
// object, MODIFIED or DELETED of an absent one, or DELETED carrying a value
// other than the object's last. Bookmarks are skipped.
func Replay(log []history.Event) (*State, error) {
	st := &State{objects: map[string]*object{}}
	for i, e := range log {
		if e.Type == history.Bookmark {
			continue
		}
		if err := st.apply(e); err != nil {
			return nil, fmt.Errorf("replay: log event %d (%s): %w", i, describe(e), err)
		}
	}
	return st, nil
}

// apply validates e against the state so far and appends it.
func (st *State) apply(e history.Event) error {
	if e.Revision == 0 || e.Name == "" {
		return fmt.Errorf("event without a revision or a name")
	}
	if n := len(st.log); n > 0 && e.Revision < st.log[n-1].Revision {
		return fmt.Errorf("revision decreases (previous %d)", st.log[n-1].Revision)
	}
	o := st.object(e.Name)
	cur, present := o.current()
	if err := validTransition(e, cur, present); err != nil {
		return err
	}
	st.log = append(st.log, e)
	st.existed = append(st.existed, present)
	st.index(e.Revision)
	o.record(e)
	return nil
}

// validTransition checks e against the object's current state.
func validTransition(e history.Event, cur history.Item, present bool) error {
	switch {
	case e.Type == history.Added && present:
		return fmt.Errorf("ADDED of an object that exists (rv %d)", cur.Revision)
	case e.Type == history.Modified && !present:
		return fmt.Errorf("MODIFIED of an absent object")
	case e.Type == history.Deleted && !present:
		return fmt.Errorf("DELETED of an absent object")
	case e.Type == history.Deleted && e.Value != cur.Value:
		return fmt.Errorf("DELETED carries %q, the object held %q", e.Value, cur.Value)
	case e.Type != history.Added && e.Type != history.Modified && e.Type != history.Deleted:
		return fmt.Errorf("unknown event type %q", e.Type)
	}
	return nil
}

// index extends the batch list with the event just appended.
func (st *State) index(rev uint64) {
	n := len(st.log)
	if k := len(st.batches); k > 0 && st.batches[k-1].rev == rev {
		st.batches[k-1].hi = n
		return
	}
	st.batches = append(st.batches, batch{rev: rev, lo: n - 1, hi: n})
}

// object returns name's history, creating it.
func (st *State) object(name string) *object {
	o := st.objects[name]
	if o == nil {
		o = &object{}
		st.objects[name] = o
	}
	return o
}

// current is the object's latest state.
func (o *object) current() (history.Item, bool) {
	if len(o.versions) == 0 {
		return history.Item{}, false
	}
	v := o.versions[len(o.versions)-1]
	return v.item, v.present
}

// record appends the state after e, replacing a version of the same
// revision (an intermediate state inside one entry is never observable).
func (o *object) record(e history.Event) {
	v := version{rev: e.Revision, present: e.Type != history.Deleted}
	if v.present {
		v.item = history.Item{Name: e.Name, Value: e.Value, Revision: e.Revision}
	} else {
		o.lastAbsent = e.Revision
	}
	if n := len(o.versions); n > 0 && o.versions[n-1].rev == e.Revision {
		o.versions[n-1] = v
		return
	}
	o.versions = append(o.versions, v)
}

// at is the index of the version current at rev (-1: none yet).
func (o *object) at(rev uint64) int {
	return sort.Search(len(o.versions), func(i int) bool { return o.versions[i].rev > rev }) - 1
}

// At returns every object present at the end of revision rev.
func (st *State) At(rev uint64) map[string]history.Item {
	out := map[string]history.Item{}
	for name := range st.objects {
		if it, ok := st.ItemAt(name, rev); ok {
			out[name] = it
		}
	}
	return out
}

// ItemAt returns object name's state at the end of revision rev, and
// whether it existed then.
func (st *State) ItemAt(name string, rev uint64) (history.Item, bool) {
	o := st.objects[name]
	if o == nil {
		return history.Item{}, false
	}
	i := o.at(rev)
	if i < 0 || !o.versions[i].present {
		return history.Item{}, false
	}
	return o.versions[i].item, true
}

// LastRevision is the revision of the last event in the log (0: empty).
func (st *State) LastRevision() uint64 {
	if len(st.log) == 0 {
		return 0
	}
	return st.log[len(st.log)-1].Revision
}

// describe renders an event for messages.
func describe(e history.Event) string {
	if e.Type == history.Bookmark {
		return fmt.Sprintf("BOOKMARK@%d", e.Revision)
	}
	return fmt.Sprintf("%s %s=%q@%d", e.Type, e.Name, e.Value, e.Revision)
}

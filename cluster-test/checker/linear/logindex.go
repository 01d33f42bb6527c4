package linear

import (
	"fmt"

	"github.com/drover/drover/cluster-test/history"
)

// logIndex is the committed log, indexed for resolving unknown writes.
type logIndex struct {
	events   []history.Event
	complete bool
	// byValue holds each ADDED or MODIFIED event under its unique value.
	byValue map[string]history.Event
	// deletes holds each object's DELETED events, in revision order.
	deletes map[string][]history.Event
}

// indexLog indexes log; its revisions must not decrease (one Raft entry
// may change several objects, which then share its revision).
func indexLog(log []history.Event, complete bool) (*logIndex, error) {
	lx := &logIndex{complete: complete, byValue: map[string]history.Event{}, deletes: map[string][]history.Event{}}
	var last uint64
	for _, e := range log {
		if e.Type == history.Bookmark {
			continue
		}
		if e.Revision < last {
			return nil, fmt.Errorf("log: revision %d follows %d", e.Revision, last)
		}
		last = e.Revision
		lx.add(e)
	}
	return lx, nil
}

func (lx *logIndex) add(e history.Event) {
	lx.events = append(lx.events, e)
	if e.Type == history.Deleted {
		lx.deletes[e.Name] = append(lx.deletes[e.Name], e)
		return
	}
	lx.byValue[e.Value] = e
}

// snapshot is the objects at one revision, by name.
type snapshot map[string]history.Item

// stateAt brings state to revision rev by applying the events from *next
// on: an incremental replay, so successive revs must not decrease.
func (lx *logIndex) stateAt(rev uint64, state snapshot, next *int) {
	for ; *next < len(lx.events) && lx.events[*next].Revision <= rev; *next++ {
		e := lx.events[*next]
		if e.Type == history.Deleted {
			delete(state, e.Name)
			continue
		}
		state[e.Name] = history.Item{Name: e.Name, Value: e.Value, Revision: e.Revision}
	}
}

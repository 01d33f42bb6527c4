package replay

import (
	"fmt"

	"github.com/drover/drover/cluster-test/history"
)

// sessionCheck walks one watch session against the log.
type sessionCheck struct {
	st    *State
	s     *history.WatchSession
	v     *violations
	label string

	start     uint64 // events must lie above it
	lastEvent uint64 // highest event revision so far
	lastMark  uint64 // highest bookmark so far
	// taken counts deliveries per (revision, name); delivered counts, per
	// revision, the log's events delivered (each at most once).
	taken     map[slotKey]int
	delivered map[uint64]int
}

// slotKey names the events about one object at one revision.
type slotKey struct {
	rev  uint64
	name string
}

// newSessionCheck prepares the check of s; label prefixes its messages.
func newSessionCheck(st *State, s *history.WatchSession, v *violations, label string) *sessionCheck {
	start, _ := sessionStart(s)
	return &sessionCheck{st: st, s: s, v: v, start: start, lastEvent: start, lastMark: start,
		label: fmt.Sprintf("%s (%s, from %d, selector %q)", label, s.Endpoint, s.FromRevision, s.LabelSelector),
		taken: map[slotKey]int{}, delivered: map[uint64]int{}}
}

// fail records a violation in this session.
func (c *sessionCheck) fail(format string, args ...any) {
	c.v.add("%s: %s", c.label, fmt.Sprintf(format, args...))
}

// run checks every event, then completeness; it returns the events checked.
func (c *sessionCheck) run() int {
	for i, e := range c.s.Events {
		if i > 0 {
			c.flags(c.s.Events[i-1], e)
		}
		if e.Type == history.Bookmark {
			c.bookmark(e.Revision)
			continue
		}
		c.event(e)
	}
	c.complete()
	return len(c.s.Events)
}

// flags checks that the More flags of consecutive events prev and e agree:
// an event with More is followed by another change of its revision, and a
// change without More by none.
func (c *sessionCheck) flags(prev, e history.Event) {
	sameRev := e.Type != history.Bookmark && e.Revision == prev.Revision
	switch {
	case prev.More && !sameRev:
		c.fail("more: %s flagged more_at_revision, followed by %s", describe(prev), describe(e))
	case !prev.More && prev.Type != history.Bookmark && sameRev:
		c.fail("more: %s after %s, the last of its revision", describe(e), describe(prev))
	}
}

// event checks one change: order, filter, then against the log.
func (c *sessionCheck) event(e history.Event) {
	switch {
	case e.Revision <= c.start:
		c.fail("order: %s not above the start %d", describe(e), c.start)
	case e.Revision < c.lastEvent:
		c.fail("order: %s after an event at %d", describe(e), c.lastEvent)
	case e.Revision <= c.lastMark:
		c.fail("order: %s after a bookmark at %d", describe(e), c.lastMark)
	}
	c.lastEvent = max(c.lastEvent, e.Revision)
	if !history.Matches(c.s.LabelSelector, e.Name) {
		c.fail("filter: %s does not match", describe(e))
		return
	}
	c.against(e)
}

// against matches e with the next undelivered log event about its object
// at its revision and compares them.
func (c *sessionCheck) against(e history.Event) {
	key := slotKey{e.Revision, e.Name}
	k := c.taken[key]
	c.taken[key]++
	pos, ok := c.st.slot(e.Revision, e.Name, k)
	switch {
	case !ok && k > 0:
		c.fail("duplicate: %s delivered again", describe(e))
		return
	case !ok:
		c.fail("not in the log: %s", describe(e))
		return
	}
	c.delivered[e.Revision]++
	if want := c.st.log[pos]; want.Value != e.Value {
		c.fail("value: %s, the log has %q", describe(e), want.Value)
	}
	if want := c.st.wantType(pos); want != e.Type {
		c.fail("type: %s should be %s (the object %s just before)", describe(e), want, existedWord(c.st.existed[pos]))
	}
}

// existedWord renders whether an object existed.
func existedWord(existed bool) string {
	if existed {
		return "existed"
	}
	return "did not exist"
}

// bookmark checks a bookmark at rev: in order, and nothing matching at or
// below it left undelivered beyond what earlier checks cover.
func (c *sessionCheck) bookmark(rev uint64) {
	switch {
	case rev < c.lastEvent:
		c.fail("order: bookmark at %d after an event at %d", rev, c.lastEvent)
	case rev < c.lastMark:
		c.fail("order: bookmark at %d after a bookmark at %d", rev, c.lastMark)
	}
	from := max(c.start, c.lastEvent, c.lastMark)
	if e, ok := c.st.firstMatching(c.s.LabelSelector, from, rev); ok {
		c.fail("bookmark at %d, but %s was never delivered", rev, describe(e))
	}
	c.lastMark = max(c.lastMark, rev)
}

// complete checks that every matching revision between the start and the
// last event was delivered, and delivered whole.
func (c *sessionCheck) complete() {
	var gap gapRun
	for i := c.st.batchAfter(c.start); i < len(c.st.batches) && c.st.batches[i].rev <= c.lastEvent; i++ {
		b := c.st.batches[i]
		want := c.st.matching(c.s.LabelSelector, b)
		got := c.delivered[b.rev]
		switch {
		case want == 0:
		case got == 0:
			gap.add(b.rev, want)
		case got < want && !endsInside(c.s, b.rev):
			c.fail("atomic: revision %d split, %d of its %d matching events delivered", b.rev, got, want)
		}
		if got > 0 {
			gap.flush(c)
		}
	}
	gap.flush(c)
}

// endsInside reports whether s ended inside revision rev: its last event
// is a change at rev flagged More. The session, however it ended, did not
// receive rev (sessionReach stops below it), so rev may be incomplete; a
// resumption must repeat it (checkResumes).
func endsInside(s *history.WatchSession, rev uint64) bool {
	n := len(s.Events)
	return n > 0 && s.Events[n-1].More && s.Events[n-1].Revision == rev && s.Events[n-1].Type != history.Bookmark
}

// gapRun accumulates consecutive undelivered revisions.
type gapRun struct {
	from, to uint64
	events   int
}

// add extends the run with revision rev of n matching events.
func (g *gapRun) add(rev uint64, n int) {
	if g.events == 0 {
		g.from = rev
	}
	g.to, g.events = rev, g.events+n
}

// flush reports the run, if any, and empties it.
func (g *gapRun) flush(c *sessionCheck) {
	if g.events > 0 {
		c.fail("gap: %d matching event(s) in revisions %d..%d never delivered", g.events, g.from, g.to)
	}
	*g = gapRun{}
}

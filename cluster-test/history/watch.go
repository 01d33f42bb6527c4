package history

// EventType mirrors the watch event types.
type EventType string

// Watch event types.
const (
	Added    EventType = "ADDED"
	Modified EventType = "MODIFIED"
	Deleted  EventType = "DELETED"
	Bookmark EventType = "BOOKMARK"
)

// Event is one watch event as a watcher received it.
type Event struct {
	Type EventType `json:"type"`
	// Revision is the event's revision (the Raft index of the change, or
	// the bookmark's revision).
	Revision uint64 `json:"rev"`
	// Name and Value describe the object after the change (for DELETED,
	// its last state). Empty for bookmarks.
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`
	// Time is when the watcher received it, ns since the run started.
	Time int64 `json:"t"`
	// More is the event's more_at_revision: more events of its revision
	// follow on this session. A revision is received only once its event
	// without More arrived.
	More bool `json:"more,omitempty"`
}

// WatchSession is one watch call: what it asked for and what it got until
// it ended. A watcher that resumes starts a new session from the last
// revision it received whole (its last event without More, or a
// bookmark).
type WatchSession struct {
	Watcher int `json:"watcher"`
	// Endpoint is the node the watch was served by.
	Endpoint string `json:"endpoint"`
	// FromRevision is the revision the watch asked to start after.
	FromRevision uint64 `json:"from_rev"`
	// Prefix, when set, is the name prefix the watcher filtered on (by
	// label): only objects whose name starts with it match.
	LabelSelector string `json:"label_selector,omitempty"`
	// Bookmarks reports whether bookmarks were requested.
	Bookmarks bool    `json:"bookmarks,omitempty"`
	Started   int64   `json:"started"`
	Ended     int64   `json:"ended"`
	Events    []Event `json:"events"`
	// Error is how the session ended ("" if the run stopped it), and
	// Compacted reports a "compacted" rejection; CompactedRevision is the
	// oldest retained revision the error named.
	Error             string `json:"error,omitempty"`
	Compacted         bool   `json:"compacted,omitempty"`
	CompactedRevision uint64 `json:"compacted_rev,omitempty"`
}

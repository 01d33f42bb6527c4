// Package history records what cluster-test's clients did: one Operation per
// call, with monotonic invoke and return times, the request, the response
// and an outcome class, the way Jepsen and etcd's robustness suite record
// histories. Checkers read histories; nothing here talks to a cluster.
package history

import (
	"encoding/json"
	"os"
	"sort"
	"sync"
	"time"
)

// Outcome classifies how an operation ended.
type Outcome string

const (
	// OK: the cluster answered and the operation took effect (or, for a
	// read, the answer is the result).
	OK Outcome = "ok"
	// Fail: the cluster answered definitely that the operation did not take
	// effect (conflict, not found, already exists, invalid).
	Fail Outcome = "fail"
	// Unknown: no definite answer (timeout, connection lost after sending);
	// a write may or may not have been applied.
	Unknown Outcome = "unknown"
)

// Kind names an object API call.
type Kind string

// The calls the object workload makes.
const (
	Get    Kind = "get"
	List   Kind = "list"
	Create Kind = "create"
	Update Kind = "update"
	Delete Kind = "delete"
)

// IsWrite reports whether k changes the store.
func (k Kind) IsWrite() bool { return k == Create || k == Update || k == Delete }

// Item is one object as a list or read returned it: the workload's objects
// carry a single string value.
type Item struct {
	Name  string `json:"name"`
	Value string `json:"value"`
	// Revision is the object's resourceVersion.
	Revision uint64 `json:"rv"`
}

// Operation is one call by one client.
type Operation struct {
	// Client is the sequential client (process) that made the call.
	Client int `json:"client"`
	// Endpoint is the node the client sent it to first ("" when balanced).
	Endpoint string `json:"endpoint,omitempty"`
	Kind     Kind   `json:"kind"`
	// Name is the object for get, create, update and delete.
	Name string `json:"name,omitempty"`
	// Value is what create or update wrote; every written value is unique
	// within a run, so the committed log identifies each write.
	Value string `json:"value,omitempty"`
	// Precondition is the resourceVersion an update or delete required
	// (0: none).
	Precondition uint64 `json:"precondition,omitempty"`
	// AtRevision is the revision a list asked to read at (0: latest).
	AtRevision uint64 `json:"at_rev,omitempty"`
	// Stale marks a read served from the answering node's local state.
	Stale bool `json:"stale,omitempty"`

	// Invoke and Return are nanoseconds since the run started (monotonic).
	// Return is 0 while the call runs and for an Unknown outcome it is the
	// time the client gave up.
	Invoke int64 `json:"invoke"`
	Return int64 `json:"return"`

	Outcome Outcome `json:"outcome"`
	// Error is the error message for Fail and Unknown; Code its gRPC code.
	Error string `json:"error,omitempty"`
	Code  string `json:"code,omitempty"`

	// Found reports whether a get found the object.
	Found bool `json:"found,omitempty"`
	// Result is the object a get, create, update or delete returned (for a
	// delete, the deleted object stamped with the deleting revision).
	Result *Item `json:"result,omitempty"`
	// Items and Revision are a list's result: its items, sorted by name,
	// and the revision it was read at.
	Items    []Item `json:"items,omitempty"`
	Revision uint64 `json:"revision,omitempty"`
	// AnsweredBy is the node that served the call, when known.
	AnsweredBy string `json:"answered_by,omitempty"`
}

// Recorder collects operations from concurrent clients. Times come from one
// monotonic clock started with the Recorder.
type Recorder struct {
	start time.Time
	mu    sync.Mutex
	ops   []Operation
}

// NewRecorder starts the clock.
func NewRecorder() *Recorder { return &Recorder{start: time.Now()} }

// Start is the clock's zero.
func (r *Recorder) Start() time.Time { return r.start }

// Now is the monotonic time since the start, in nanoseconds.
func (r *Recorder) Now() int64 { return int64(time.Since(r.start)) }

// Add records a finished operation.
func (r *Recorder) Add(op Operation) {
	r.mu.Lock()
	r.ops = append(r.ops, op)
	r.mu.Unlock()
}

// Operations returns the recorded operations ordered by invoke time.
func (r *Recorder) Operations() []Operation {
	r.mu.Lock()
	out := append([]Operation(nil), r.ops...)
	r.mu.Unlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Invoke < out[j].Invoke })
	return out
}

// WriteJSON saves ops to path, one JSON document.
func WriteJSON(path string, ops []Operation) error {
	b, err := json.MarshalIndent(ops, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// ReadJSON loads a history saved by WriteJSON.
func ReadJSON(path string) ([]Operation, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ops []Operation
	return ops, json.Unmarshal(b, &ops)
}

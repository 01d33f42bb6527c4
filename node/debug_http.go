package node

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/drover/drover/raftstore"
)

// Replica agreement (CHAOS.md P7): the FSM hash chain and a digest of the
// Raft log, compared across nodes by the chaos harness.

// fsmHashResponse is the body of GET /debug/fsm-hash.
type fsmHashResponse struct {
	// Index is the index asked for with ?index=, absent otherwise.
	Index        *uint64 `json:"index,omitempty"`
	AppliedIndex uint64  `json:"applied_index"`
	Hash         string  `json:"hash"`
}

// raftLogResponse is the body of GET /debug/raft-log.
type raftLogResponse struct {
	FirstIndex  uint64          `json:"first_index"`
	LastIndex   uint64          `json:"last_index"`
	CommitIndex uint64          `json:"commit_index"`
	Entries     []raftLogDigest `json:"entries"`
}

// raftLogDigest is one entry of raftLogResponse.
type raftLogDigest struct {
	Index  uint64 `json:"index"`
	Term   uint64 `json:"term"`
	Type   string `json:"type"`
	SHA256 string `json:"sha256"`
}

// serveFSMHash answers the hash chain at the applied index, or with
// ?index=N the chain once entry N was applied, from the recent values the
// FSM keeps (404 when N is not among them).
func (n *Node) serveFSMHash(w http.ResponseWriter, r *http.Request) {
	q, ok := debugQuery(w, r, "index")
	if !ok {
		return
	}
	applied, hash := n.fsm.HashChain()
	resp := fsmHashResponse{AppliedIndex: applied, Hash: hex.EncodeToString(hash[:])}
	if q["index"] != nil {
		index, ok := uintParam(w, q, "index", 0)
		if !ok {
			return
		}
		at, found := n.fsm.HashAt(index)
		if !found {
			http.Error(w, fmt.Sprintf("index %d is not in the recent hash chain: it keeps the last command entries up to the applied index %d", index, applied), http.StatusNotFound)
			return
		}
		resp.Index, resp.Hash = &index, hex.EncodeToString(at[:])
	}
	writeJSON(w, resp)
}

// serveRaftLog digests the local Raft log in [from, to] (defaults: the
// whole log), at most raftstore.MaxLogDigestEntries entries per call.
func (n *Node) serveRaftLog(w http.ResponseWriter, r *http.Request) {
	q, ok := debugQuery(w, r, "from", "to")
	if !ok {
		return
	}
	commit := n.store.Raft().CommitIndex()
	first, last, err := n.store.LogBounds()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	from, ok := uintParam(w, q, "from", 0)
	if !ok {
		return
	}
	to, ok := uintParam(w, q, "to", math.MaxUint64)
	if !ok {
		return
	}
	if from > to {
		http.Error(w, fmt.Sprintf("from (%d) is after to (%d)", from, to), http.StatusBadRequest)
		return
	}
	// Entries appended since LogBounds stay out: the answer matches its bounds.
	var digests []raftstore.LogEntryDigest
	if to = min(to, last); from <= to {
		if digests, err = n.store.LogDigest(from, to); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	resp := raftLogResponse{FirstIndex: first, LastIndex: last, CommitIndex: commit, Entries: make([]raftLogDigest, len(digests))}
	for i, d := range digests {
		resp.Entries[i] = raftLogDigest{Index: d.Index, Term: d.Term, Type: d.Type, SHA256: hex.EncodeToString(d.SHA256[:])}
	}
	writeJSON(w, resp)
}

// debugQuery parses the query, answering 400 to a parameter not in allowed
// (a misspelt one would otherwise be ignored) or given twice.
func debugQuery(w http.ResponseWriter, r *http.Request, allowed ...string) (url.Values, bool) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		http.Error(w, "malformed query: "+err.Error(), http.StatusBadRequest)
		return nil, false
	}
	for name, values := range q {
		known := false
		for _, a := range allowed {
			known = known || name == a
		}
		if !known {
			http.Error(w, fmt.Sprintf("unknown query parameter %q (allowed: %v)", name, allowed), http.StatusBadRequest)
			return nil, false
		}
		if len(values) > 1 {
			http.Error(w, fmt.Sprintf("query parameter %q given %d times", name, len(values)), http.StatusBadRequest)
			return nil, false
		}
	}
	return q, true
}

// uintParam reads a Raft index from the query, def when absent; a value
// that is not a non-negative decimal integer gets a 400.
func uintParam(w http.ResponseWriter, q url.Values, name string, def uint64) (uint64, bool) {
	if q[name] == nil {
		return def, true
	}
	v, err := strconv.ParseUint(q.Get(name), 10, 64)
	if err != nil {
		http.Error(w, fmt.Sprintf("%s=%q: want a Raft index (a non-negative decimal integer)", name, q.Get(name)), http.StatusBadRequest)
		return 0, false
	}
	return v, true
}

// writeJSON writes v as a JSON body.
func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

package node

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"
	"github.com/hashicorp/raft-wal/metadb"
)

// getDebug fetches path from node i's HTTP listener and decodes a 200
// answer into v; it returns the status and body.
func (c *testCluster) getDebug(i int, path string, v any) (int, string) {
	c.t.Helper()
	code, body := c.debugRequest(i, http.MethodGet, path, nil)
	if code == http.StatusOK && v != nil {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			c.t.Fatalf("%s: %v: %s", path, err, body)
		}
	}
	return code, body
}

// debugRequest sends method path (with body, when not nil) to node i's
// HTTP listener and returns the status and the answer's body.
func (c *testCluster) debugRequest(i int, method, path string, body io.Reader) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, "http://"+c.cfgs[i].HTTPAddr+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, string(out)
}

// agreedHash waits until every node reports the same applied index and
// returns it with the hashes they report.
func (c *testCluster) agreedHash() (uint64, []string) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var hashes []string
		var index uint64
		same := true
		for i := range c.nodes {
			var got fsmHashResponse
			if code, body := c.getDebug(i, "/debug/fsm-hash", &got); code != http.StatusOK {
				c.t.Fatalf("node %d: %d %s", i, code, body)
			}
			same = same && (i == 0 || got.AppliedIndex == index)
			index = got.AppliedIndex
			hashes = append(hashes, got.Hash)
		}
		if same {
			return index, hashes
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.t.Fatal("applied indexes never met")
	return 0, nil
}

// chainFromWAL recomputes the FSM hash chain up to index from a stopped
// node's Raft log, independently of raftstore.
func chainFromWAL(t *testing.T, dataDir string, index uint64) string {
	meta := &metadb.BoltMetaDB{}
	defer meta.Close()
	logs, err := wal.Open(filepath.Join(RaftDir(dataDir), "wal"), wal.WithMetaStore(meta))
	if err != nil {
		t.Fatal(err)
	}
	defer logs.Close()
	first, _ := logs.FirstIndex()
	if first != 1 {
		t.Fatalf("log starts at %d: compacted, cannot recompute the chain", first)
	}
	var chain [32]byte
	for i := uint64(1); i <= index; i++ {
		var l raft.Log
		if err := logs.GetLog(i, &l); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		if l.Type == raft.LogCommand {
			chain = sha256.Sum256(append(binary.BigEndian.AppendUint64(chain[:], i), l.Data...))
		}
	}
	return hex.EncodeToString(chain[:])
}

// Three nodes that applied the same entries report the same hash chain, at
// the applied index and at an earlier one, and the same Raft log entries
// up to their commit index; the chain is the one recomputed from the log.
func TestDebugReplicaAgreement(t *testing.T) {
	c := newTestCluster(t, 3, func(cfg *Config) { cfg.HTTPAddr = freeAddr(t) })
	li, _ := c.leader()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for i := 0; i < 5; i++ {
		if _, err := c.client((li+i)%3).Create(ctx, configMap(fmt.Sprintf("cm-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	index, hashes := c.agreedHash()
	for i, h := range hashes {
		if h != hashes[0] || len(h) != 64 || h == strings.Repeat("0", 64) {
			t.Fatalf("at applied index %d node %d reports %q, node 0 %q", index, i, h, hashes[0])
		}
	}
	earlier := index - 3
	var at []fsmHashResponse
	for i := range c.nodes {
		var got fsmHashResponse
		if code, body := c.getDebug(i, fmt.Sprintf("/debug/fsm-hash?index=%d", earlier), &got); code != http.StatusOK {
			t.Fatalf("node %d index %d: %d %s", i, earlier, code, body)
		}
		if got.Index == nil || *got.Index != earlier || (i > 0 && got.Hash != at[0].Hash) {
			t.Fatalf("node %d at %d: %+v, node 0: %+v", i, earlier, got, at)
		}
		at = append(at, got)
	}
	checkLogsAgree(t, c)
	checkDebugErrors(t, c)

	for i, n := range c.nodes {
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
		c.nodes[i] = nil
		applied, hash := n.fsm.HashChain()
		if want := chainFromWAL(t, c.cfgs[i].DataDir, applied); hex.EncodeToString(hash[:]) != want {
			t.Fatalf("node %d: chain %x at %d, recomputed from its log %s", i, hash, applied, want)
		}
	}
}

// checkLogsAgree compares every node's Raft log digest up to the lowest
// commit index.
func checkLogsAgree(t *testing.T, c *testCluster) {
	var logs []raftLogResponse
	commit := ^uint64(0)
	for i := range c.nodes {
		var got raftLogResponse
		if code, body := c.getDebug(i, "/debug/raft-log", &got); code != http.StatusOK {
			t.Fatalf("node %d: %d %s", i, code, body)
		}
		if got.FirstIndex != 1 || len(got.Entries) == 0 || got.Entries[len(got.Entries)-1].Index != got.LastIndex {
			t.Fatalf("node %d: %d entries, first %d last %d", i, len(got.Entries), got.FirstIndex, got.LastIndex)
		}
		commit = min(commit, got.CommitIndex)
		logs = append(logs, got)
	}
	commands := 0
	for idx := uint64(1); idx <= commit; idx++ {
		e := logs[0].Entries[idx-1]
		for i, l := range logs {
			if l.Entries[idx-1] != e || e.Index != idx {
				t.Fatalf("entry %d: node %d has %+v, node 0 %+v", idx, i, l.Entries[idx-1], e)
			}
		}
		if e.Type == "LogCommand" {
			commands++
		}
	}
	if commands < 5 {
		t.Fatalf("only %d commands in the committed prefix of %d entries", commands, commit)
	}
	var page raftLogResponse
	if code, body := c.getDebug(0, "/debug/raft-log?from=2&to=3", &page); code != http.StatusOK ||
		len(page.Entries) != 2 || page.Entries[0] != logs[0].Entries[1] || page.Entries[1] != logs[0].Entries[2] {
		t.Fatalf("page 2..3: %d %s", code, body)
	}
}

// checkDebugErrors: bad parameters get a 400 naming the problem, an index
// outside the kept chain a 404.
func checkDebugErrors(t *testing.T, c *testCluster) {
	for path, want := range map[string]int{
		"/debug/fsm-hash?index=abc":         http.StatusBadRequest,
		"/debug/fsm-hash?index=-1":          http.StatusBadRequest,
		"/debug/fsm-hash?idx=1":             http.StatusBadRequest,
		"/debug/fsm-hash?index=1&index=2":   http.StatusBadRequest,
		"/debug/fsm-hash?index=99999999":    http.StatusNotFound,
		"/debug/raft-log?from=x":            http.StatusBadRequest,
		"/debug/raft-log?from=5&to=2":       http.StatusBadRequest,
		"/debug/raft-log?to=1e3":            http.StatusBadRequest,
		"/debug/raft-log?from=1&to=2&x=y":   http.StatusBadRequest,
		"/debug/raft-log?from=999999999999": http.StatusOK,
	} {
		code, body := c.getDebug(0, path, nil)
		if code != want || (code != http.StatusOK && len(strings.TrimSpace(body)) < 10) {
			t.Errorf("%s: %d %q, want %d", path, code, body, want)
		}
	}
}

package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"time"
)

// replicaState is what one node's debug endpoints said after the run (P7).
type replicaState struct {
	AppliedIndex uint64     `json:"applied_index"`
	Hash         string     `json:"hash"`
	Log          *logDigest `json:"log,omitempty"`
	Err          string     `json:"error,omitempty"`
}

// logDigest is /debug/raft-log's answer.
type logDigest struct {
	FirstIndex uint64 `json:"first_index"`
	LastIndex  uint64 `json:"last_index"`
	// CommitIndex is the node's commit index when it answered; only
	// entries up to the lowest commit index are compared.
	CommitIndex uint64 `json:"commit_index"`
	Entries     []struct {
		Index  uint64 `json:"index"`
		Term   uint64 `json:"term"`
		Type   string `json:"type"`
		SHA256 string `json:"sha256"`
	} `json:"entries"`
}

// httpClient reaches the nodes' HTTP listeners from the client namespace;
// one client, so that its connections are reused.
func (c *Cluster) httpClient() *http.Client {
	c.httpOnce.Do(func() {
		c.hc = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				return c.net.DialContext(ctx, network, addr)
			}}}
	})
	return c.hc
}

// getJSON fetches path from node i's HTTP listener into v.
func (c *Cluster) getJSON(ctx context.Context, i int, path string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.HTTPAddr(i)+path, nil)
	if err != nil {
		return err
	}
	res, err := c.httpClient().Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s on %s: %s", path, c.ID(i), res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

// collectReplicas reads every node's FSM hash chain head and its Raft log
// digest, once all have applied the same index.
func (r *Run) collectReplicas(ctx context.Context) {
	deadline := time.Now().Add(20 * time.Second)
	members := r.c.Members()
	for {
		states := map[int]replicaState{}
		same := true
		for _, i := range members {
			var st replicaState
			if err := r.c.getJSON(ctx, i, "/debug/fsm-hash", &st); err != nil {
				st.Err = err.Error()
			}
			states[i] = st
			same = same && st.Err == "" && st.AppliedIndex == states[members[0]].AppliedIndex
		}
		if same || time.Now().After(deadline) || ctx.Err() != nil {
			r.Replicas = states
			break
		}
		sleepCtx(ctx, 200*time.Millisecond)
	}
	for i, st := range r.Replicas {
		d, err := r.c.fetchLog(ctx, i)
		if err != nil {
			st.Err = err.Error()
		}
		st.Log = d
		r.Replicas[i] = st
	}
}

// logPage is how many entries one /debug/raft-log call asks for.
const logPage = 5000

// fetchLog reads node i's whole retained Raft log digest, page by page.
func (c *Cluster) fetchLog(ctx context.Context, i int) (*logDigest, error) {
	var all *logDigest
	for from := uint64(1); ; {
		var d logDigest
		path := fmt.Sprintf("/debug/raft-log?from=%d&to=%d", from, from+logPage-1)
		if err := c.getJSON(ctx, i, path, &d); err != nil {
			return all, err
		}
		if all == nil {
			all = &logDigest{FirstIndex: d.FirstIndex}
		}
		all.LastIndex, all.CommitIndex = d.LastIndex, d.CommitIndex
		all.Entries = append(all.Entries, d.Entries...)
		from = max(from+logPage, d.FirstIndex)
		if from > d.LastIndex {
			return all, nil
		}
	}
}

//go:build failpoints

package node

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/raftstore/failpoint"
)

// offAtEnd turns every failpoint off when the test ends: they are global
// to the process.
func offAtEnd(t *testing.T) {
	t.Cleanup(func() {
		for _, name := range failpoint.Points() {
			failpoint.Set(name, "off")
		}
	})
}

// firedAt counts how often a point's action ran.
func firedAt(name string) uint64 {
	for _, p := range failpoint.List() {
		if p.Name == name {
			return p.Fired
		}
	}
	return 0
}

// A batch whose NATS publish is lost (nats-publish-before=1*error) leaves
// a hole that the next batch reveals: the watch refills from the history
// and still delivers every event once, in order.
func TestWatchRefillsAfterLostPublish(t *testing.T) {
	offAtEnd(t)
	ctx, _, n, cl, w := watchedNode(t)
	createConfigMaps(ctx, t, cl, 0, 10)
	before := firedAt(failpoint.NATSPublishBefore)
	if err := failpoint.Set(failpoint.NATSPublishBefore, "1*error"); err != nil {
		t.Fatal(err)
	}
	createConfigMaps(ctx, t, cl, 10, 20)
	if fired := firedAt(failpoint.NATSPublishBefore) - before; fired != 1 {
		t.Fatalf("nats-publish-before fired %d times, want 1", fired)
	}
	expectConfigMaps(t, w, 20)
	if n.feed.Gaps() == 0 || n.hub.Refills() == 0 {
		t.Fatalf("gaps %d, refills %d: the lost batch went unnoticed", n.feed.Gaps(), n.hub.Refills())
	}
}

// A lost publish of the last write before writes pause has no later batch
// to reveal it; the feed's stall check still makes the watch refill, within
// a few seconds and without another write.
func TestWatchRefillsAfterLostLastPublish(t *testing.T) {
	offAtEnd(t)
	ctx, _, _, cl, w := watchedNode(t)
	if _, err := cl.Create(ctx, configMapIn("default", "first")); err != nil {
		t.Fatal(err)
	}
	if err := failpoint.Set(failpoint.NATSPublishBefore, "1*error"); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Create(ctx, configMapIn("default", "last")); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 2)
	go func() {
		for range 2 {
			ev, err := w.Recv()
			if err != nil {
				return
			}
			got <- ev.Object.Metadata.Name
		}
	}()
	for _, want := range []string{"first", "last"} {
		select {
		case name := <-got:
			if name != want {
				t.Fatalf("got %s, want %s", name, want)
			}
		case <-time.After(10 * feedStallCheck):
			t.Fatalf("no event %q within %s of a lost publish with no write after it", want, 10*feedStallCheck)
		}
	}
}

// putFailpoint sends PUT /debug/failpoints/<name> to node 0 and returns the status
// and body.
func (c *testCluster) putFailpoint(name, action string) (int, string) {
	c.t.Helper()
	return c.debugRequest(0, http.MethodPut, "/debug/failpoints/"+name, strings.NewReader(action))
}

// Points are armed from DROVER_FAILPOINTS at start and over the HTTP
// listener; fsync-slow delays the Raft log's appends, and so writes.
func TestFailpointsOverHTTP(t *testing.T) {
	offAtEnd(t)
	t.Setenv(failpoint.EnvVar, failpoint.SnapshotPersist+"=sleep(1ms)")
	c := newTestCluster(t, 1, func(cfg *Config) { cfg.HTTPAddr = freeAddr(t) })
	c.leader()
	var list []failpoint.Point
	if code, body := c.getDebug(0, "/debug/failpoints", &list); code != http.StatusOK || len(list) != len(failpoint.Points()) {
		t.Fatalf("list: %d %s", code, body)
	}
	for _, p := range list {
		if want := map[bool]string{true: "sleep(1ms)", false: "off"}[p.Name == failpoint.SnapshotPersist]; p.Action != want {
			t.Fatalf("%s armed with %q at start, want %q", p.Name, p.Action, want)
		}
	}

	if code, body := c.putFailpoint(failpoint.FsyncSlow, "sleep(300ms)"); code != http.StatusOK || !strings.Contains(body, `"action":"sleep(300ms)"`) {
		t.Fatalf("put: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := c.client(0).Create(ctx, configMap("slow")); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("a write with fsync-slow=sleep(300ms) took %v", d)
	}
	if code, body := c.putFailpoint(failpoint.FsyncSlow, "off"); code != http.StatusOK {
		t.Fatalf("off: %d %s", code, body)
	}
	for name, want := range map[string]int{"no-such-point": http.StatusNotFound, failpoint.FSMCommitAfter: http.StatusBadRequest} {
		if code, body := c.putFailpoint(name, "error"); code != want {
			t.Errorf("put error at %s: %d %s", name, code, body)
		}
	}
	if code, body := c.putFailpoint(failpoint.FsyncSlow, "sleep(soon)"); code != http.StatusBadRequest {
		t.Errorf("malformed action: %d %s", code, body)
	}
}

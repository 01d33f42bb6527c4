package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// collect reads events from a watch until it has n non-bookmark events.
func collect(t *testing.T, w pb.Objects_WatchClient, n int) []*pb.WatchEvent {
	t.Helper()
	var out []*pb.WatchEvent
	for len(out) < n {
		ev, err := w.Recv()
		if err != nil {
			t.Fatalf("watch ended after %d of %d events: %v", len(out), n, err)
		}
		if ev.Type != pb.EventType_BOOKMARK {
			out = append(out, ev)
		}
	}
	return out
}

// writeMix creates, updates and deletes n objects through cl and returns
// the revision of each acknowledged write, in order.
func writeMix(t *testing.T, cl *client.Client, prefix string, n int) []uint64 {
	t.Helper()
	var revs []uint64
	for i := 0; i < n; i++ {
		obj, err := cl.Create(ctxT(t, 10*time.Second), configMap(fmt.Sprintf("%s-%d", prefix, i), "a"))
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, obj.Metadata.ResourceVersion)
		if i%3 == 0 {
			upd := configMap(obj.Metadata.Name, "b")
			upd.Metadata.ResourceVersion = obj.Metadata.ResourceVersion
			if obj, err = cl.Update(ctxT(t, 10*time.Second), upd); err != nil {
				t.Fatal(err)
			}
			revs = append(revs, obj.Metadata.ResourceVersion)
		}
		if i%5 == 0 {
			del, err := cl.Delete(ctxT(t, 10*time.Second), &pb.DeleteRequest{Kind: "ConfigMap", Namespace: "default", Name: obj.Metadata.Name})
			if err != nil {
				t.Fatal(err)
			}
			revs = append(revs, del.Metadata.ResourceVersion)
		}
	}
	return revs
}

func checkStream(t *testing.T, got []*pb.WatchEvent, want []uint64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i, ev := range got {
		if ev.Revision != want[i] || ev.Object.Metadata.ResourceVersion != want[i] {
			t.Fatalf("event %d: revision %d (object rv %d), want %d", i, ev.Revision, ev.Object.Metadata.ResourceVersion, want[i])
		}
	}
}

// Watches on every node deliver every change exactly once, in order, and a
// watch resumed from a revision in the middle delivers exactly the rest.
func TestClusterWatchExactlyOnceFromAnyNode(t *testing.T) {
	c := startCluster(t, 3)
	leader := c.waitLeader(30 * time.Second)
	start, err := c.client(leader).List(ctxT(t, 10*time.Second), &pb.ListRequest{Kind: "ConfigMap"})
	if err != nil {
		t.Fatal(err)
	}
	var watches []pb.Objects_WatchClient
	for _, n := range c.nodes {
		w, err := c.client(n).Watch(ctxT(t, 60*time.Second), &pb.WatchRequest{Kind: "ConfigMap", ResourceVersion: start.ResourceVersion, BookmarkIntervalMs: 200})
		if err != nil {
			t.Fatal(err)
		}
		watches = append(watches, w)
	}
	want := writeMix(t, c.client(c.followers(leader)[0]), "w", 150)
	for i, w := range watches {
		t.Logf("checking the watch on %s", c.nodes[i].id)
		checkStream(t, collect(t, w, len(want)), want)
	}
	mid := want[len(want)/2]
	w, err := c.client(c.nodes[2]).Watch(ctxT(t, 30*time.Second), &pb.WatchRequest{Kind: "ConfigMap", ResourceVersion: mid})
	if err != nil {
		t.Fatal(err)
	}
	checkStream(t, collect(t, w, len(want)-len(want)/2-1), want[len(want)/2+1:])
}

// A consumer that does not read while 10,000 events are written
// still gets every one, in order: the server refills from the history once
// the live buffer overflows. Closed watches are released.
func TestClusterWatchSlowConsumer(t *testing.T) {
	c := startCluster(t, 1, "--watch-buffer", "16")
	cl := c.client()
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	w, err := cl.Watch(ctx, &pb.WatchRequest{Kind: "ConfigMap", Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	// A first event proves the watch is registered before the load.
	first, err := cl.Create(ctxT(t, 10*time.Second), configMap("first", "x"))
	if err != nil {
		t.Fatal(err)
	}
	checkStream(t, collect(t, w, 1), []uint64{first.Metadata.ResourceVersion})
	want := parallelCreates(t, cl, 10000, 32) // seconds during which nothing is read
	got := collect(t, w, len(want))
	checkStream(t, got, want)
	if m := metric(t, c.nodes[0], "drover_watch_refills_total"); m == "0" {
		t.Fatal("the watch never fell behind; the test did not exercise the refill")
	}
	cancel()
	waitWatchers(t, c.nodes[0], 0)
}

// parallelCreates creates n ConfigMaps with conc writers; it returns the
// acknowledged revisions in increasing order.
func parallelCreates(t *testing.T, cl *client.Client, n, conc int) []uint64 {
	t.Helper()
	revs := make([]uint64, n)
	errs := make(chan error, conc)
	for w := 0; w < conc; w++ {
		go func(w int) {
			for i := w; i < n; i += conc {
				obj, err := cl.Create(context.Background(), configMap(fmt.Sprintf("slow-%d", i), strings.Repeat("v", 900)))
				if err != nil {
					errs <- err
					return
				}
				revs[i] = obj.Metadata.ResourceVersion
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < conc; w++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	sortUint64(revs)
	return revs
}

func sortUint64(s []uint64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// metric returns the value of one metric line from a node's /metrics.
func metric(t *testing.T, n *procNode, name string) string {
	t.Helper()
	resp, err := http.Get("http://" + n.http + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	t.Fatalf("%s: no metric %s", n.id, name)
	return ""
}

// waitWatchers waits until the node reports n open watches on /metrics.
func waitWatchers(t *testing.T, n *procNode, want int) {
	t.Helper()
	line := fmt.Sprintf("drover_watchers %d", want)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + n.http + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(b), line+"\n") {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: watchers did not drop to %d", n.id, want)
}

// A watch from a revision older than the retained history fails with
// OutOfRange naming the oldest retained revision; one from inside the
// history works.
func TestClusterWatchCompacted(t *testing.T) {
	c := startCluster(t, 1, "--history-max-events", "50", "--compact-interval", "100ms")
	cl := c.client()
	want := writeMix(t, cl, "cmp", 100)
	deadline := time.Now().Add(20 * time.Second)
	var st *pb.StatusResponse
	for time.Now().Before(deadline) {
		var err error
		if st, err = cl.Status(ctxT(t, 5*time.Second)); err == nil && st.CompactedRevision > want[0] {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st == nil || st.CompactedRevision <= want[0] {
		t.Fatal("history was never compacted")
	}
	w, err := cl.Watch(ctxT(t, 10*time.Second), &pb.WatchRequest{Kind: "ConfigMap", ResourceVersion: want[0]})
	if err == nil {
		_, err = w.Recv()
	}
	if status.Code(err) != codes.OutOfRange || !strings.Contains(err.Error(), "oldest retained revision") {
		t.Fatalf("watch below the history: got %v", err)
	}
	_, err = cl.List(ctxT(t, 10*time.Second), &pb.ListRequest{Kind: "ConfigMap", ResourceVersion: want[0]})
	if status.Code(err) != codes.OutOfRange {
		t.Fatalf("list below the history: got %v", err)
	}
	last := want[len(want)-3]
	w, err = cl.Watch(ctxT(t, 10*time.Second), &pb.WatchRequest{Kind: "ConfigMap", ResourceVersion: last})
	if err != nil {
		t.Fatal(err)
	}
	checkStream(t, collect(t, w, 2), want[len(want)-2:])
}

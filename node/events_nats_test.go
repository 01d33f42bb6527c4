package node

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
)

// Every node publishes the events it applies to its own NATS server, in
// revision order, on the documented subjects and headers; the server
// refuses clients without the node's token.
func TestEventsPublishedToNATS(t *testing.T) {
	c := newTestCluster(t, 3)
	li, _ := c.leader()
	fi := (li + 1) % 3
	follower := c.nodes[fi]
	url := follower.NATSURL()
	if url == "" {
		t.Fatal("node publishes to no NATS")
	}
	if nc, err := nats.Connect(url); err == nil {
		nc.Close()
		t.Fatal("NATS accepted a client without the token")
	}
	token, err := os.ReadFile(NATSTokenPath(c.cfgs[fi].DataDir))
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(url, nats.Token(strings.TrimSpace(string(token))))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	msgs := make(chan *nats.Msg, 100)
	sub, err := nc.ChanSubscribe("drover.events.*.ConfigMap.>", msgs)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := c.client(li)
	created, err := cl.Create(ctx, &pb.Object{ApiVersion: "v1", Kind: "ConfigMap",
		Metadata: &pb.ObjectMeta{Name: "web.config", Namespace: "default"}, Body: []byte(`{"data":{"k":"1"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	created.Body = []byte(`{"data":{"k":"2"}}`)
	if _, err := cl.Update(ctx, created); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Delete(ctx, &pb.DeleteRequest{Kind: "ConfigMap", Namespace: "default", Name: "web.config"}); err != nil {
		t.Fatal(err)
	}

	wantTypes := []string{"ADDED", "MODIFIED", "DELETED"}
	var prevRev uint64
	for i, typ := range wantTypes {
		var m *nats.Msg
		select {
		case m = <-msgs:
		case <-ctx.Done():
			t.Fatalf("event %d (%s) never arrived", i, typ)
		}
		if want := "drover.events." + c.cfgs[fi].ID + ".ConfigMap.default.web%2Econfig"; m.Subject != want {
			t.Fatalf("subject %q, want %q", m.Subject, want)
		}
		var ev pb.Event
		if err := proto.Unmarshal(m.Data, &ev); err != nil {
			t.Fatal(err)
		}
		rev, _ := strconv.ParseUint(m.Header.Get("Drover-Revision"), 10, 64)
		if m.Header.Get("Drover-Type") != typ || ev.Type.String() != typ || rev != ev.Revision {
			t.Fatalf("event %d: headers %v, event %s@%d", i, m.Header, ev.Type, ev.Revision)
		}
		if i > 0 {
			if p, _ := strconv.ParseUint(m.Header.Get("Drover-Prev-Revision"), 10, 64); p != prevRev || rev <= prevRev {
				t.Fatalf("event %d at %d names prev %d, the previous event was at %d", i, rev, p, prevRev)
			}
		}
		prevRev = rev
	}
}

func TestEventSubjects(t *testing.T) {
	pod := &pb.Object{Kind: "Pod", Metadata: &pb.ObjectMeta{Name: "p", Namespace: "prod"},
		Body: []byte(`{"spec":{"nodeName":"worker.1","containers":[]}}`)}
	if got := eventSubject("n1", pod); got != "drover.events.n1.Pod.prod.p.worker%2E1" {
		t.Fatalf("bound pod: %s", got)
	}
	pod.Body = []byte(`{"spec":{}}`)
	if got := eventSubject("n1", pod); got != "drover.events.n1.Pod.prod.p._" {
		t.Fatalf("unbound pod: %s", got)
	}
	ns := &pb.Object{Kind: "Namespace", Metadata: &pb.ObjectMeta{Name: "prod"}}
	if got := eventSubject("n1", ns); got != "drover.events.n1.Namespace._.prod" {
		t.Fatalf("namespace: %s", got)
	}
}

package harness

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	"github.com/drover/drover/cluster-test/history"
	pb "github.com/drover/drover/proto/droverpb"
)

// natsMsg is one event a NATS subscriber received, with the headers that
// chain it to the event its node published before.
type natsMsg struct {
	Rev     uint64 `json:"rev"`
	Seq     int64  `json:"seq"`
	PrevRev uint64 `json:"prev_rev"`
	PrevSeq int64  `json:"prev_seq"`
	// Ours marks an event of the workload's namespace and kind; Type,
	// Name and Value describe it then.
	Ours  bool              `json:"ours,omitempty"`
	Type  history.EventType `json:"type,omitempty"`
	Name  string            `json:"name,omitempty"`
	Value string            `json:"value,omitempty"`
}

// natsRecord is what one NATS subscriber received.
type natsRecord struct {
	Node int  `json:"node"`
	Slow bool `json:"slow"`
	// Msgs are the events in arrival order.
	Msgs []natsMsg `json:"msgs"`
	// Errors are the asynchronous errors (slow consumer, ...) the client
	// reported; Reconnects how often it reconnected.
	Errors     []string `json:"errors,omitempty"`
	Reconnects int      `json:"reconnects"`
}

// natsSubscribers follows every member's whole event stream on its
// embedded NATS server, as any NATS client may (node/events_nats.go
// documents the subjects and headers): one prompt and one deliberately
// slow subscriber per node.
type natsSubscribers struct {
	mu  sync.Mutex
	out []*natsRecord
}

// natsDialer opens NATS connections from the client namespace.
type natsDialer struct{ c *Cluster }

// Dial implements nats.CustomDialer.
func (d natsDialer) Dial(network, address string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return d.c.net.DialContext(ctx, network, address)
}

// run subscribes to node i until ctx ends; slow subscribers take 20 ms
// per event with a small pending limit, so they overflow.
func (s *natsSubscribers) run(ctx context.Context, c *Cluster, i int, slow bool) {
	rec := &natsRecord{Node: i, Slow: slow}
	var mu sync.Mutex
	note := func(f func()) { mu.Lock(); f(); mu.Unlock() }
	nc, err := c.natsConnect(ctx, i, rec, note)
	if err != nil {
		note(func() { rec.Errors = append(rec.Errors, err.Error()) })
	} else {
		defer nc.Close()
		sub, err := nc.Subscribe(fmt.Sprintf("drover.events.%s.>", c.ID(i)), func(m *nats.Msg) {
			msg := parseNATS(m)
			note(func() { rec.Msgs = append(rec.Msgs, msg) })
			if slow {
				time.Sleep(20 * time.Millisecond)
			}
		})
		if err == nil && slow {
			err = sub.SetPendingLimits(64, 1<<20)
		}
		if err != nil {
			note(func() { rec.Errors = append(rec.Errors, err.Error()) })
		}
		<-ctx.Done()
	}
	s.mu.Lock()
	mu.Lock()
	s.out = append(s.out, rec)
	mu.Unlock()
	s.mu.Unlock()
}

// natsConnect connects to node i's embedded NATS with the node's token,
// reconnecting for ever.
func (c *Cluster) natsConnect(ctx context.Context, i int, rec *natsRecord, note func(func())) (*nats.Conn, error) {
	var token []byte
	for ctx.Err() == nil {
		var err error
		if token, err = os.ReadFile(filepath.Join(c.DataDir(i), "nats", "token")); err == nil {
			break
		}
		sleepCtx(ctx, 200*time.Millisecond)
	}
	url := "nats://" + c.addr(i, portNATS)
	for {
		nc, err := nats.Connect(url, nats.Token(strings.TrimSpace(string(token))), nats.SetCustomDialer(natsDialer{c}),
			nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond), nats.ReconnectBufSize(-1),
			nats.ReconnectHandler(func(*nats.Conn) { note(func() { rec.Reconnects++ }) }),
			nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
				note(func() { rec.Errors = append(rec.Errors, err.Error()) })
			}))
		if err == nil || ctx.Err() != nil {
			return nc, err
		}
		sleepCtx(ctx, 200*time.Millisecond)
	}
}

// parseNATS reads one event message.
func parseNATS(m *nats.Msg) natsMsg {
	h := func(k string) int64 { v, _ := strconv.ParseInt(m.Header.Get(k), 10, 64); return v }
	msg := natsMsg{Rev: uint64(h("Drover-Revision")), Seq: h("Drover-Seq"), PrevRev: uint64(h("Drover-Prev-Revision")),
		PrevSeq: h("Drover-Prev-Seq")}
	var ev pb.Event
	if proto.Unmarshal(m.Data, &ev) != nil {
		return msg
	}
	o := ev.GetObject()
	if o.GetKind() == kindConfigMap && o.GetMetadata().GetNamespace() == history.Namespace {
		it := itemOf(o)
		msg.Ours, msg.Type, msg.Name, msg.Value = true, history.EventType(ev.GetType().String()), it.Name, it.Value
	}
	return msg
}

// records returns what the subscribers received, once they have stopped.
func (s *natsSubscribers) records() []*natsRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*natsRecord(nil), s.out...)
}

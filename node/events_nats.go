package node

import (
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/raftstore"
	"github.com/drover/drover/raftstore/failpoint"
)

// Events on NATS. After each committed batch a node publishes every event
// it applied, in revision order, to
//
//	drover.events.<node>.<Kind>.<namespace>.<name>         (most kinds)
//	drover.events.<node>.Pod.<namespace>.<name>.<nodeName> (pods)
//
// where <node> is the publishing node's id, a cluster-scoped object's
// namespace is "_", an unbound pod's nodeName is "_", and a "." inside a
// name is written "%2E" (NATS separates tokens with dots). So
// "drover.events.*.ConfigMap.>" follows a kind, "drover.events.*.*.prod.>"
// a namespace and "drover.events.*.Pod.*.*.worker-1" one node's pods. With
// the embedded server only its own node publishes there; on a NATS shared
// by several nodes (--nats-url) each node publishes the same events under
// its own id: follow one, or drop repeated revisions.
//
// The payload is a drover.v1.Event (proto/drover/v1/objects.proto),
// protobuf-encoded. Headers:
//
//	Drover-Type           ADDED, MODIFIED or DELETED
//	Drover-Revision       the event's revision
//	Drover-Seq            its position among the events of that revision
//	Drover-Prev-Revision  the revision of the event the node applied before
//	Drover-Prev-Seq       it, and its position (-1 after a start or a
//	                      restore: the previous event is unknown)
//
// NATS core delivers at most once. A subscriber to the whole stream
// ("drover.events.<node>.>") that finds the previous (revision, seq) it saw
// differ from the headers' prev has missed events and reads them from the
// API's Watch or List; a subscriber to part of it sees prev name events of
// other subjects, and can only tell that revisions grow. With the embedded
// server, events nobody subscribes to are not published at all.

const natsSubjectPrefix = "drover.events"

// batchSubject is where a node publishes whole batches for its own
// watches (watch_feed.go): drover.batches.<node>.
func batchSubject(node string) string { return "drover.batches." + subjectToken(node) }

// natsPublisher publishes applied events. It runs on the FSM's goroutine,
// after each commit; nats.Conn buffers, so a slow or absent server costs
// dropped events, not a stalled FSM.
type natsPublisher struct {
	nc     *nats.Conn
	node   string
	logger *slog.Logger
	// interested, when set, says whether anyone subscribes to a subject:
	// with the embedded server an event nobody follows costs nothing.
	interested func(subject string) bool

	prevRev uint64
	prevSeq int
	failed  int
	// prevApplied is the applied index after the batch before; 0 when
	// unknown (after a start or a restore).
	prevApplied uint64
	// published is the applied index of the last batch published (or
	// lost), for the watch feed's stall check.
	published atomic.Uint64
}

func newNATSPublisher(nc *nats.Conn, node string, logger *slog.Logger) *natsPublisher {
	return &natsPublisher{nc: nc, node: node, logger: logger, prevSeq: -1}
}

// Publish implements raftstore.Publisher. The nats-publish-before
// failpoint's error loses the batch: nothing is sent, and the next batch
// names this one as its predecessor, as after a message NATS dropped.
func (p *natsPublisher) Publish(events []*pb.Event, applied uint64) {
	lost := failpoint.Inject(failpoint.NATSPublishBefore) != nil
	p.publishBatch(events, applied, lost)
	for _, ev := range events {
		seq := 0
		if ev.Revision == p.prevRev {
			seq = p.prevSeq + 1
		}
		if !lost {
			p.publish(ev, seq)
		}
		p.prevRev, p.prevSeq = ev.Revision, seq
	}
}

// Reset implements raftstore.Publisher: after a snapshot replaced the state,
// the next event follows the restored revision, and the next batch follows
// an unknown one.
func (p *natsPublisher) Reset(applied uint64) { p.prevRev, p.prevSeq, p.prevApplied = applied, -1, 0 }

// publishBatch publishes the whole batch for this node's watches, when
// any listen and it is not lost; the chain of applied indexes continues
// either way.
func (p *natsPublisher) publishBatch(events []*pb.Event, applied uint64, lost bool) {
	prev := p.prevApplied
	p.prevApplied = applied
	p.published.Store(applied)
	subject := batchSubject(p.node)
	if lost || (p.interested != nil && !p.interested(subject)) {
		return
	}
	data, err := proto.Marshal(&pb.EventBatch{Events: events, Applied: applied, PrevApplied: prev})
	if err == nil {
		err = p.nc.Publish(subject, data)
	}
	p.noteFailure(err)
}

func (p *natsPublisher) noteFailure(err error) {
	if err == nil {
		return
	}
	if p.failed++; p.failed == 1 || p.failed%1000 == 0 {
		p.logger.Warn("publishing events to nats failed", "failures", p.failed, "err", err)
	}
}

func (p *natsPublisher) publish(ev *pb.Event, seq int) {
	subject := eventSubject(p.node, ev.Object)
	if p.interested != nil && !p.interested(subject) {
		return
	}
	data, err := proto.Marshal(ev)
	if err == nil {
		msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{
			"Drover-Type":          {ev.Type.String()},
			"Drover-Revision":      {strconv.FormatUint(ev.Revision, 10)},
			"Drover-Seq":           {strconv.Itoa(seq)},
			"Drover-Prev-Revision": {strconv.FormatUint(p.prevRev, 10)},
			"Drover-Prev-Seq":      {strconv.Itoa(p.prevSeq)},
		}}
		err = p.nc.PublishMsg(msg)
	}
	p.noteFailure(err)
}

// eventSubject is the subject an event about obj is published on.
func eventSubject(node string, obj *pb.Object) string {
	m := obj.GetMetadata()
	var b strings.Builder
	b.WriteString(natsSubjectPrefix)
	for _, t := range []string{node, obj.GetKind(), m.GetNamespace(), m.GetName()} {
		b.WriteByte('.')
		b.WriteString(subjectToken(t))
	}
	if obj.GetKind() == "Pod" {
		b.WriteByte('.')
		b.WriteString(subjectToken(podNodeName(obj.GetBody())))
	}
	return b.String()
}

// subjectToken makes s one NATS subject token.
func subjectToken(s string) string {
	if s == "" {
		return "_"
	}
	return strings.ReplaceAll(s, ".", "%2E")
}

// podNodeName reads spec.nodeName from a pod's body.
func podNodeName(body []byte) string {
	var pod struct {
		Spec struct {
			NodeName string `json:"nodeName"`
		} `json:"spec"`
	}
	_ = json.Unmarshal(body, &pod) // a stored body is valid JSON
	return pod.Spec.NodeName
}

// publishers fans committed events out to several publishers in order.
type publishers []raftstore.Publisher

// Publish implements raftstore.Publisher.
func (ps publishers) Publish(events []*pb.Event, applied uint64) {
	for _, p := range ps {
		p.Publish(events, applied)
	}
}

// Reset implements raftstore.Publisher.
func (ps publishers) Reset(applied uint64) {
	for _, p := range ps {
		p.Reset(applied)
	}
}

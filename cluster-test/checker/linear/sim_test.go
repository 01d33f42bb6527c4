package linear_test

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/drover/drover/cluster-test/history"
)

// simConfig shapes a synthetic history.
type simConfig struct {
	clients, ops, objects int
	// unknown is the share of writes whose client gives up; half of them
	// take effect anyway, some after the client gave up.
	unknown float64
	seed    uint64
}

// simulation is a correct, linearizable in-memory store driven by
// sequential clients with random latencies: each call takes effect at one
// instant inside its interval, in a global order of instants.
type simulation struct {
	cfg     simConfig
	rng     *rand.Rand
	objs    map[string]history.Item
	rev     uint64
	snaps   []simSnap
	log     []history.Event
	ops     []history.Operation
	clients []*simClient
	queue   simQueue
}

// simSnap is the store after the change at rev.
type simSnap struct {
	rev   uint64
	items []history.Item
}

// simClient is one sequential client and what it has learnt.
type simClient struct {
	id       int
	known    map[string]uint64
	lastList uint64
	seq      int
	prev     int
}

// simulate runs the simulation and returns its history and log.
func simulate(cfg simConfig) ([]history.Operation, []history.Event) {
	s := &simulation{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.seed, 7)), objs: map[string]history.Item{}}
	for i := range cfg.clients {
		s.clients = append(s.clients, &simClient{id: i, known: map[string]uint64{}, prev: -1})
		heap.Push(&s.queue, simEvent{t: s.latency(), client: i, op: -1})
	}
	for s.queue.Len() > 0 {
		e := heap.Pop(&s.queue).(simEvent)
		if e.op < 0 {
			s.invoke(s.clients[e.client], e.t)
		} else {
			s.apply(e.op, e.t)
		}
	}
	return s.ops, s.log
}

// latency is a call's delay before or after it takes effect.
func (s *simulation) latency() int64 {
	d := 200*time.Microsecond + time.Duration(s.rng.Int64N(int64(3*time.Millisecond)))
	if s.rng.IntN(100) == 0 {
		d += 20 * time.Millisecond
	}
	return int64(d)
}

// invoke starts client c's next call at t.
func (s *simulation) invoke(c *simClient, t int64) {
	if len(s.ops) >= s.cfg.ops {
		return
	}
	s.learn(c)
	op := s.pick(c)
	op.Invoke = t
	at, ret := t+s.latency(), int64(0)
	ret = at + s.latency()
	if op.Kind.IsWrite() && s.rng.Float64() < s.cfg.unknown {
		op.Outcome, op.Code = history.Unknown, "DeadlineExceeded"
		ret = t + int64(50*time.Millisecond)
		at = t + s.rng.Int64N(int64(100*time.Millisecond))
		if s.rng.IntN(2) == 0 {
			at = -1
		}
	}
	op.Return = ret
	c.prev = len(s.ops)
	s.ops = append(s.ops, op)
	if at >= 0 {
		heap.Push(&s.queue, simEvent{t: at, client: c.id, op: c.prev})
	}
	heap.Push(&s.queue, simEvent{t: ret + s.latency()/4, client: c.id, op: -1})
}

// learn updates a client from its previous call, as the workload does.
func (s *simulation) learn(c *simClient) {
	if c.prev < 0 {
		return
	}
	op := &s.ops[c.prev]
	switch {
	case op.Outcome != history.OK:
		delete(c.known, op.Name)
	case op.Kind == history.List && op.AtRevision == 0:
		c.lastList = op.Revision
		clear(c.known)
		for _, it := range op.Items {
			c.known[it.Name] = it.Revision
		}
	case op.Kind == history.Delete || op.Kind == history.Get && !op.Found:
		delete(c.known, op.Name)
	case op.Result != nil:
		c.known[op.Name] = op.Result.Revision
	}
}

// pick chooses client c's next call with T-obj's mix.
func (s *simulation) pick(c *simClient) history.Operation {
	op := history.Operation{Client: c.id, Name: history.ObjectName(s.rng.IntN(s.cfg.objects))}
	switch p := s.rng.IntN(100); {
	case p < 25:
		op.Kind, op.Stale = history.Get, p < 2
	case p < 38:
		op.Kind, op.Name = history.List, ""
	case p < 45:
		op.Kind, op.Name, op.AtRevision = history.List, "", s.pastRevision(c)
	case p < 60:
		op.Kind, op.Value = history.Create, s.value(c)
	case p < 88:
		op.Kind, op.Value, op.Precondition = history.Update, s.value(c), max(c.known[op.Name], 1)
	default:
		op.Kind, op.Precondition = history.Delete, max(c.known[op.Name], 1)
	}
	return op
}

func (s *simulation) pastRevision(c *simClient) uint64 {
	if c.lastList == 0 {
		return 0
	}
	back := uint64(s.rng.IntN(50))
	return max(c.lastList-min(back, c.lastList-1), 1)
}

func (s *simulation) value(c *simClient) string {
	c.seq++
	return fmt.Sprintf("c%d-%d", c.id, c.seq)
}

// apply makes call i take effect at t.
func (s *simulation) apply(i int, t int64) {
	op := &s.ops[i]
	if s.rng.IntN(20) == 0 {
		s.rev++ // an entry that changes no object
	}
	switch op.Kind {
	case history.Get:
		s.get(op)
	case history.List:
		s.list(op)
	default:
		s.write(op, t)
	}
}

func (s *simulation) get(op *history.Operation) {
	op.Outcome = history.OK
	items := s.current()
	if op.Stale {
		items = s.at(s.rev - min(s.rev, uint64(s.rng.IntN(20))))
	}
	for _, it := range items {
		if it.Name == op.Name {
			op.Found, op.Result = true, &it
		}
	}
}

func (s *simulation) list(op *history.Operation) {
	op.Outcome = history.OK
	if op.AtRevision == 0 {
		op.Revision, op.Items = s.rev, s.current()
		return
	}
	op.Revision, op.Items = op.AtRevision, s.at(op.AtRevision)
}

// write applies a create, update or delete if its condition holds.
func (s *simulation) write(op *history.Operation, t int64) {
	cur, exists := s.objs[op.Name]
	code := ""
	switch {
	case op.Kind == history.Create && exists:
		code = "AlreadyExists"
	case op.Kind != history.Create && !exists:
		code = "NotFound"
	case op.Kind != history.Create && cur.Revision != op.Precondition:
		code = "Aborted"
	}
	if op.Outcome == history.Unknown {
		if code == "" {
			s.change(op, cur, t)
		}
		return
	}
	if code != "" {
		op.Outcome, op.Code = history.Fail, code
		return
	}
	op.Outcome = history.OK
	res := s.change(op, cur, t)
	op.Result = &res
}

// change commits a write at a new revision and returns its result.
func (s *simulation) change(op *history.Operation, cur history.Item, t int64) history.Item {
	s.rev += 1 + uint64(s.rng.IntN(3))
	e := history.Event{Revision: s.rev, Name: op.Name, Value: op.Value, Time: t}
	switch op.Kind {
	case history.Create:
		e.Type = history.Added
	case history.Update:
		e.Type = history.Modified
	default:
		e.Type, e.Value = history.Deleted, cur.Value
	}
	if e.Type == history.Deleted {
		delete(s.objs, op.Name)
	} else {
		s.objs[op.Name] = history.Item{Name: op.Name, Value: op.Value, Revision: s.rev}
	}
	s.log = append(s.log, e)
	s.snaps = append(s.snaps, simSnap{rev: s.rev, items: s.current()})
	return history.Item{Name: op.Name, Value: e.Value, Revision: s.rev}
}

// current is the store's objects in name order.
func (s *simulation) current() []history.Item {
	var items []history.Item
	for _, it := range s.objs {
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Name < items[j].Name })
	return items
}

// at is the store's objects at revision r.
func (s *simulation) at(r uint64) []history.Item {
	i := sort.Search(len(s.snaps), func(i int) bool { return s.snaps[i].rev > r })
	if i == 0 {
		return nil
	}
	return s.snaps[i-1].items
}

// simEvent is a client's next invoke (op < 0) or call op taking effect.
type simEvent struct {
	t      int64
	client int
	op     int
}

// simQueue orders events by time.
type simQueue []simEvent

func (q simQueue) Len() int           { return len(q) }
func (q simQueue) Less(i, j int) bool { return q[i].t < q[j].t }
func (q simQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *simQueue) Push(x any)        { *q = append(*q, x.(simEvent)) }
func (q *simQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

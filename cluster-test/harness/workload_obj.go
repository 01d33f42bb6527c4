package harness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/client"
	"github.com/drover/drover/cluster-test/history"
	pb "github.com/drover/drover/proto/droverpb"
)

// ObjConfig shapes T-obj: sequential clients over a few objects.
type ObjConfig struct {
	Clients int
	// Balanced is how many of the clients use every node; the others are
	// pinned to one node each, round robin.
	Balanced int
	Objects  int
	// Rate is each client's target operations per second.
	Rate float64
	// Timeout bounds one call; a write without an answer by then is
	// Unknown.
	Timeout time.Duration
}

// DefaultObjConfig is CHAOS.md's T-obj: 8 clients (2 balanced), 10 objects,
// about 200 operations per second in all.
var DefaultObjConfig = ObjConfig{Clients: 8, Balanced: 2, Objects: 10, Rate: 25, Timeout: 3 * time.Second}

// objClient is one sequential client of T-obj.
type objClient struct {
	id       int
	endpoint string
	cl       *client.Client
	cfg      ObjConfig
	rec      *history.Recorder
	rng      *rand.Rand
	seq      int
	known    map[string]uint64 // last resourceVersion seen per object
	lastList uint64            // revision of the last list at latest
}

// runObjClients runs T-obj until ctx ends.
func runObjClients(ctx context.Context, c *Cluster, cfg ObjConfig, rec *history.Recorder, seed uint64) (func(), error) {
	done := make(chan struct{}, cfg.Clients)
	for k := range cfg.Clients {
		oc := &objClient{id: k, cfg: cfg, rec: rec, rng: rand.New(rand.NewPCG(seed, uint64(k))), known: map[string]uint64{}}
		var err error
		if k < cfg.Clients-cfg.Balanced {
			members := c.Members()
			node := members[k%len(members)]
			oc.endpoint = c.ID(node)
			oc.cl, err = c.Client(node)
		} else {
			oc.cl, err = c.Client()
		}
		if err != nil {
			return nil, err
		}
		go func() { oc.loop(ctx); oc.cl.Close(); done <- struct{}{} }()
	}
	return func() {
		for range cfg.Clients {
			<-done
		}
	}, nil
}

// loop issues operations at the configured rate until ctx ends.
func (oc *objClient) loop(ctx context.Context) {
	interval := time.Duration(float64(time.Second) / oc.cfg.Rate)
	for ctx.Err() == nil {
		start := time.Now()
		oc.one(ctx)
		if d := interval - time.Since(start); d > 0 {
			sleepCtx(ctx, time.Duration(oc.rng.Int64N(int64(2*d))))
		}
	}
}

// one picks and runs one operation.
func (oc *objClient) one(ctx context.Context) {
	name := history.ObjectName(oc.rng.IntN(oc.cfg.Objects))
	op := history.Operation{Client: oc.id, Endpoint: oc.endpoint, Name: name}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), oc.cfg.Timeout)
	defer cancel()
	switch p := oc.rng.IntN(100); {
	case p < 25:
		oc.get(cctx, &op)
	case p < 38:
		oc.list(cctx, &op, 0)
	case p < 45:
		oc.list(cctx, &op, oc.pastRevision())
	case p < 60:
		oc.create(cctx, &op)
	case p < 88:
		oc.update(cctx, &op)
	default:
		oc.delete(cctx, &op)
	}
	op.Return = oc.rec.Now()
	oc.rec.Add(op)
}

// pastRevision is a revision this client has seen, a little back.
func (oc *objClient) pastRevision() uint64 {
	if oc.lastList == 0 {
		return 0
	}
	back := uint64(oc.rng.IntN(50))
	return max(oc.lastList-min(back, oc.lastList-1), 1)
}

// value is a value no other write of the run uses.
func (oc *objClient) value() string {
	oc.seq++
	return fmt.Sprintf("c%d-%d", oc.id, oc.seq)
}

func (oc *objClient) get(ctx context.Context, op *history.Operation) {
	op.Kind, op.Invoke = history.Get, oc.rec.Now()
	obj, err := oc.cl.Get(ctx, &pb.GetRequest{Kind: kindConfigMap, Namespace: history.Namespace, Name: op.Name})
	if status.Code(err) == codes.NotFound {
		op.Outcome = history.OK
		delete(oc.known, op.Name)
		return
	}
	classify(op, err)
	if err == nil {
		it := itemOf(obj)
		op.Found, op.Result = true, &it
		oc.known[op.Name] = it.Revision
	}
}

func (oc *objClient) list(ctx context.Context, op *history.Operation, at uint64) {
	op.Kind, op.Name, op.AtRevision, op.Invoke = history.List, "", at, oc.rec.Now()
	res, err := oc.cl.List(ctx, &pb.ListRequest{Kind: kindConfigMap, Namespace: history.Namespace, ResourceVersion: at})
	classify(op, err)
	if err != nil {
		return
	}
	op.Items, op.Revision = itemsOf(res.GetItems()), res.GetResourceVersion()
	if at == 0 {
		oc.lastList = op.Revision
		clear(oc.known)
		for _, it := range op.Items {
			oc.known[it.Name] = it.Revision
		}
	}
}

func (oc *objClient) create(ctx context.Context, op *history.Operation) {
	op.Kind, op.Value, op.Invoke = history.Create, oc.value(), oc.rec.Now()
	obj, err := oc.cl.Create(ctx, newObject(op.Name, op.Value, 0))
	oc.finishWrite(op, obj, err)
}

func (oc *objClient) update(ctx context.Context, op *history.Operation) {
	op.Kind, op.Value, op.Precondition = history.Update, oc.value(), oc.known[op.Name]
	if op.Precondition == 0 {
		op.Precondition = 1 // certainly stale: exercises the conflict path
	}
	op.Invoke = oc.rec.Now()
	obj, err := oc.cl.Update(ctx, newObject(op.Name, op.Value, op.Precondition))
	oc.finishWrite(op, obj, err)
}

func (oc *objClient) delete(ctx context.Context, op *history.Operation) {
	op.Kind, op.Precondition = history.Delete, max(oc.known[op.Name], 1)
	op.Invoke = oc.rec.Now()
	obj, err := oc.cl.Delete(ctx, &pb.DeleteRequest{Kind: kindConfigMap, Namespace: history.Namespace,
		Name: op.Name, ResourceVersion: op.Precondition})
	oc.finishWrite(op, obj, err)
	if op.Outcome == history.OK {
		delete(oc.known, op.Name)
	}
}

// finishWrite records a write's outcome and what it taught the client.
func (oc *objClient) finishWrite(op *history.Operation, obj *pb.Object, err error) {
	classify(op, err)
	switch {
	case err == nil:
		it := itemOf(obj)
		op.Result = &it
		if op.Kind != history.Delete {
			oc.known[op.Name] = it.Revision
		}
	case op.Outcome == history.Unknown:
		delete(oc.known, op.Name)
	}
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

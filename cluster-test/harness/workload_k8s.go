package harness

import (
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/drover/drover/client"
	"github.com/drover/drover/cluster-test/history"
	pb "github.com/drover/drover/proto/droverpb"
)

// informerRecord is what one T-k8s informer did: the handler calls in
// order, and its copy when the run stopped it.
type informerRecord struct {
	Node int `json:"node"`
	// Initial are the OnAdd calls of the first list; Calls everything
	// after it, as events (ADDED for OnAdd, MODIFIED for OnUpdate,
	// DELETED for OnDelete) carrying the object's resourceVersion.
	Initial []history.Event `json:"initial"`
	Calls   []history.Event `json:"calls"`
	// Final is the copy at Revision when the informer stopped.
	Final    []history.Item `json:"final"`
	Revision uint64         `json:"revision"`
	Relists  int64          `json:"relists"`
	Err      string         `json:"error,omitempty"`
}

// k8sInformers runs T-k8s: one informer per member node (a paginated list,
// then a watch with bookmarks, resumed across breaks), as controllers use.
type k8sInformers struct {
	rec *history.Recorder
	mu  sync.Mutex
	out []*informerRecord
	// live are the running informers' copies, by node.
	live map[int]*client.Store
}

// reached is the revision node i's informer copy is at (0: none yet).
func (k *k8sInformers) reached(i int) uint64 {
	k.mu.Lock()
	st := k.live[i]
	k.mu.Unlock()
	if st == nil {
		return 0
	}
	return st.ResourceVersion()
}

// run follows node i until ctx ends, then records the informer's copy.
func (k *k8sInformers) run(ctx context.Context, c *Cluster, i int) {
	cl, err := c.Client(i)
	if err != nil {
		return
	}
	defer cl.Close()
	r := &informerRecord{Node: i}
	var inf *client.Informer
	note := func(typ history.EventType, o *pb.Object) {
		it := itemOf(o)
		ev := history.Event{Type: typ, Revision: it.Revision, Name: it.Name, Value: it.Value, Time: k.rec.Now()}
		if inf.HasSynced() {
			r.Calls = append(r.Calls, ev)
		} else {
			r.Initial = append(r.Initial, ev)
		}
	}
	inf = client.NewInformer(cl, client.InformerConfig{Kind: kindConfigMap, Namespace: history.Namespace, PageSize: 3,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handlers: client.Handlers{
			OnAdd:    func(o *pb.Object) { note(history.Added, o) },
			OnUpdate: func(_, o *pb.Object) { note(history.Modified, o) },
			OnDelete: func(o *pb.Object) { note(history.Deleted, o) },
		}})
	k.mu.Lock()
	if k.live == nil {
		k.live = map[int]*client.Store{}
	}
	k.live[i] = inf.Store()
	k.mu.Unlock()
	if err := inf.Run(ctx); err != nil && ctx.Err() == nil {
		r.Err = err.Error()
	}
	r.Final, r.Revision, r.Relists = itemsOf(inf.Store().List()), inf.Store().ResourceVersion(), inf.Relists()
	k.mu.Lock()
	k.out = append(k.out, r)
	k.mu.Unlock()
}

// records returns what the informers did, once they have stopped.
func (k *k8sInformers) records() []*informerRecord {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]*informerRecord(nil), k.out...)
}

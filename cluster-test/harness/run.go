package harness

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/drover/drover/cluster-test/history"
	pb "github.com/drover/drover/proto/droverpb"
)

// RunConfig is one cluster-test run: the Options it was asked for and what
// RunScenario set up for it.
type RunConfig struct {
	Options
	// Network is the network the nodes run in (see netns.Setup).
	Network Network
	Obj     ObjConfig
	// Watchers is the number of pinned T-watch watchers per node.
	Watchers int
}

// Run is what a run produced, for the checks and the report.
type Run struct {
	cfg       RunConfig
	c         *Cluster
	rec       *history.Recorder
	watches   *watchRecorder
	informers *k8sInformers
	nats      *natsSubscribers
	smp       *sampler
	nem       *Nemesis
	start     time.Time
	Ops       []history.Operation
	Sessions  []history.WatchSession
	Samples   []Sample
	Timeline  []Fault
	// Informers are T-k8s's informers, one per initial member.
	Informers []*informerRecord
	// NATS are the NATS subscribers' records (scenarios with NATS set).
	NATS []*natsRecord
	// TrafficStart and TrafficEnd bound the traffic phase (recorder time).
	TrafficStart, TrafficEnd int64
	// FinalRevision is the revision of the final write (0 if it failed).
	FinalRevision uint64
	FinalErr      error
	// FinalLatency is how long the final write took.
	FinalLatency time.Duration
	// Replicas holds what each node's debug endpoints said after the run.
	Replicas map[int]replicaState
	// Problems are harness-level failures (a node that did not catch up).
	Problems []string
}

func (r *Run) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, "%6.1fs  %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
	}
}

func (r *Run) problem(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.logf("problem: %s", msg)
	r.Problems = append(r.Problems, msg)
}

// Execute runs the scenario against a fresh cluster and collects
// everything the checks need. The network must be set up; Execute stops
// the nodes but leaves the network to its caller.
func Execute(ctx context.Context, cfg RunConfig) (*Run, error) {
	r := &Run{cfg: cfg, rec: history.NewRecorder(), start: time.Now(), Replicas: map[int]replicaState{}}
	r.watches = &watchRecorder{rec: r.rec}
	r.informers = &k8sInformers{rec: r.rec}
	r.nats = &natsSubscribers{}
	args := append([]string{"--history-max-events", "20000", "--compact-interval", "200ms"}, cfg.Scenario.NodeArgs...)
	r.c = NewCluster(ClusterConfig{Binary: cfg.Binary, Nodes: cfg.Nodes + cfg.Scenario.Spare, Initial: cfg.Nodes,
		Dir: filepath.Join(cfg.OutDir, "nodes"), ExtraArgs: args}, cfg.Network)
	if err := os.MkdirAll(filepath.Join(cfg.OutDir, "nodes"), 0o755); err != nil {
		return nil, err
	}
	defer r.c.unmountDataDirs()
	defer r.c.StopAll()
	if cfg.Scenario.DiskMiB > 0 {
		if err := r.c.mountDataDirs(cfg.Scenario.DiskMiB); err != nil {
			return nil, err
		}
	}
	r.smp = newSampler(r.c, r.rec)
	r.nem = newNemesis(r.c, cfg.Network, r.smp, r.rec, cfg.Seed, r.logf)
	head, err := r.boot(ctx)
	if err != nil {
		return r, err
	}
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	var bgWG sync.WaitGroup
	bgWG.Go(func() { r.smp.run(bg) })
	r.startWatchers(bg, &bgWG, head)
	if err := r.traffic(ctx); err != nil {
		r.problem("nemesis: %v", err)
	}
	r.finish(ctx)
	stopBG()
	bgWG.Wait()
	r.Ops, r.Sessions, r.Samples, r.Timeline = r.rec.Operations(), r.watches.sessions(), r.smp.all(), r.nem.Timeline()
	r.Informers, r.NATS = r.informers.records(), r.nats.records()
	return r, nil
}

// boot starts the nodes, waits for a leader and creates the test
// namespace; it returns the revision the watchers start from.
func (r *Run) boot(ctx context.Context) (uint64, error) {
	for _, i := range r.c.Members() {
		if err := r.c.Start(i); err != nil {
			return 0, err
		}
	}
	cl, err := r.c.Client()
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	ns := &pb.Object{ApiVersion: "v1", Kind: "Namespace", Metadata: &pb.ObjectMeta{Name: history.Namespace}}
	for {
		_, err = cl.Create(cctx, ns)
		if err == nil || cctx.Err() != nil {
			break
		}
		sleepCtx(cctx, 200*time.Millisecond)
	}
	if err != nil {
		return 0, fmt.Errorf("cluster did not accept a write within 60 s: %w (node logs: %s)", err, r.c.cfg.Dir)
	}
	res, err := cl.List(cctx, &pb.ListRequest{Kind: kindConfigMap, Namespace: history.Namespace})
	if err != nil {
		return 0, err
	}
	r.logf("cluster of %d up; namespace %q created at revision %d", len(r.c.Members()), history.Namespace, res.GetResourceVersion())
	return res.GetResourceVersion(), nil
}

// startWatchers starts a collect-all watcher and the pinned watchers on
// every node.
func (r *Run) startWatchers(ctx context.Context, wg *sync.WaitGroup, from uint64) {
	rng := rand.New(rand.NewPCG(r.cfg.Seed, 0x3a7c))
	headRev := func() uint64 {
		h := from
		for i := 1; i <= r.c.Size(); i++ {
			if s, ok := r.smp.latestOf(i); ok {
				h = max(h, s.Applied)
			}
		}
		return h
	}
	for i := 1; i <= r.c.Size(); i++ {
		wg.Go(func() { r.watches.collectAll(ctx, r.c, i, from) })
		if !r.c.IsMember(i) {
			continue // a node that may join later: collect-all only
		}
		wg.Go(func() { r.informers.run(ctx, r.c, i) })
		if r.cfg.Scenario.NATS {
			wg.Go(func() { r.nats.run(ctx, r.c, i, false) })
			wg.Go(func() { r.nats.run(ctx, r.c, i, true) })
		}
		for k := range r.cfg.Watchers {
			id, wrng := i*100+k, rand.New(rand.NewPCG(rng.Uint64(), uint64(i*100+k)))
			wg.Go(func() { r.watches.pinnedWatcher(ctx, r.c, id, i, headRev, wrng) })
		}
	}
}

// traffic runs T-obj and the scenario for the configured duration.
func (r *Run) traffic(ctx context.Context) error {
	tctx, cancel := context.WithTimeout(ctx, r.cfg.Duration)
	defer cancel()
	waitClients, err := runObjClients(tctx, r.c, r.cfg.Obj, r.rec, r.cfg.Seed)
	if err != nil {
		return err
	}
	r.TrafficStart = r.rec.Now()
	defer func() { r.TrafficEnd = r.rec.Now() }()
	r.logf("traffic: %d clients, scenario %d (%s), %s", r.cfg.Obj.Clients, r.cfg.Scenario.Num, r.cfg.Scenario.Name, r.cfg.Duration)
	err = r.cfg.Scenario.Run(tctx, r.nem)
	<-tctx.Done()
	waitClients()
	return err
}

// finish heals, restarts, makes the final write and waits until every
// node and every collect-all watcher has reached it.
func (r *Run) finish(ctx context.Context) {
	if err := r.nem.Recover(); err != nil {
		r.problem("recover: %v", err)
	}
	r.finalWrite(ctx)
	if r.FinalRevision == 0 {
		return
	}
	r.waitApplied(ctx, r.FinalRevision)
	r.waitStreams(ctx, r.FinalRevision)
	r.collectReplicas(ctx)
	r.waitGossip(ctx)
}

// waitGossip gives gossip up to 30 s to see every member alive again
// after healing (P13 checks the last samples).
func (r *Run) waitGossip(ctx context.Context) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if r.gossipConverged() {
			return
		}
		sleepCtx(ctx, 200*time.Millisecond)
	}
}

// gossipConverged reports whether every node's latest sample shows every
// member alive.
func (r *Run) gossipConverged() bool {
	members := r.c.Members()
	for _, i := range members {
		s, ok := r.smp.latestOf(i)
		if !ok {
			return false
		}
		for _, j := range members {
			if s.Gossip[r.c.ID(j)] != "alive" {
				return false
			}
		}
	}
	return true
}

// finalName is the object the final write creates.
const finalName = "final"

// finalWrite creates one object through any node; it must succeed (P12).
func (r *Run) finalWrite(ctx context.Context) {
	cl, err := r.c.Client()
	if err != nil {
		r.FinalErr = err
		return
	}
	defer cl.Close()
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	op := history.Operation{Client: 999, Kind: history.Create, Name: finalName, Value: "final", Invoke: r.rec.Now()}
	obj, err := cl.Create(cctx, newObject(op.Name, op.Value, 0))
	classify(&op, err)
	op.Return = r.rec.Now()
	r.FinalLatency = time.Duration(op.Return - op.Invoke)
	if err == nil {
		it := itemOf(obj)
		op.Result = &it
		r.FinalRevision = it.Revision
		r.logf("final write acknowledged at revision %d after %.1fs", it.Revision, float64(op.Return-op.Invoke)/1e9)
	} else {
		r.FinalErr = err
		r.problem("final write failed: %v", err)
	}
	r.rec.Add(op)
}

// waitApplied waits until every node has applied rev.
func (r *Run) waitApplied(ctx context.Context, rev uint64) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		behind := []string{}
		for _, i := range r.c.Members() {
			if s, ok := r.smp.latestOf(i); !ok || s.Applied < rev {
				behind = append(behind, r.c.ID(i))
			}
		}
		if len(behind) == 0 {
			return
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			r.problem("nodes %v did not apply revision %d within 60 s", behind, rev)
			return
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
}

// waitStreams waits until every collect-all watcher and every informer
// has delivered rev.
func (r *Run) waitStreams(ctx context.Context, rev uint64) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		if len(r.streamsBehind(rev)) == 0 {
			return
		}
		sleepCtx(ctx, 100*time.Millisecond)
	}
	if b := r.streamsBehind(rev); len(b) > 0 {
		r.problem("the watches of %v did not reach revision %d within 30 s", b, rev)
	}
}

// streamsBehind names the nodes whose collect-all watcher has not yet
// seen rev. It looks at the live sessions too: a finished session is
// recorded only when it ends, so it asks the recorder's in-flight view.
func (r *Run) streamsBehind(rev uint64) []string {
	var behind []string
	for _, i := range r.c.Members() {
		if r.watches.reached(collectAllID(i)) < rev {
			behind = append(behind, r.c.ID(i))
		} else if i <= r.cfg.Nodes && r.informers.reached(i) < rev {
			behind = append(behind, r.c.ID(i)+" (informer)")
		}
	}
	return behind
}

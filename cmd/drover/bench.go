package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// benchOpts are the flags of `drover bench`.
type benchOpts struct {
	clientOpts
	op          string
	concurrency int
	count       int
	size        int
	namespace   string
	cleanup     bool
	viaAny      bool
	connections int
	cpuProfile  string
	// watchers and rate shape --op watch.
	watchers    int
	rate        int
	watchDecode string
}

// newBenchCmd builds `drover bench`, a load generator that prints one JSON
// line of throughput and latency per run.
func newBenchCmd() *cobra.Command {
	o := &benchOpts{}
	cmd := &cobra.Command{
		Use:   "bench --op create|update|get|watch",
		Short: "Drive a running cluster and report throughput and latency as JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.op, "op", "create", "operation: create, update, get or watch")
	fs.IntVar(&o.watchers, "watchers", 100, "watch: concurrent watches, spread over the --server endpoints")
	fs.IntVar(&o.rate, "rate", 1000, "watch: writes per second while the watchers follow")
	fs.StringVar(&o.watchDecode, "watch-decode", "lean", "watch: lean (type, revision and name of each event) or full (the whole object)")
	fs.IntVar(&o.concurrency, "concurrency", 1, "concurrent workers")
	fs.IntVar(&o.count, "count", 1000, "total operations")
	fs.IntVar(&o.size, "size", 256, "bytes of data per ConfigMap")
	fs.StringVar(&o.namespace, "namespace", "default", "namespace of the bench ConfigMaps")
	fs.BoolVar(&o.cleanup, "cleanup", false, "delete the bench objects afterwards")
	fs.IntVar(&o.connections, "connections", 8, "gRPC connections the workers share (as etcd's benchmark uses 8 clients)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this client (not the servers) to FILE")
	fs.BoolVar(&o.viaAny, "via-any", false, "use the first --server endpoint that answers instead of the leader (measures forwarding)")
	o.addClientFlags(fs)
	return cmd
}

// validate checks the flags.
func (o *benchOpts) validate() error {
	switch {
	case o.op != "create" && o.op != "update" && o.op != "get" && o.op != "watch":
		return fmt.Errorf("unknown --op %q (want create, update, get or watch)", o.op)
	case o.op == "watch" && (o.watchers < 1 || o.rate < 1):
		return errors.New("--watchers and --rate must be at least 1")
	case o.op == "watch" && o.watchDecode != "lean" && o.watchDecode != "full":
		return fmt.Errorf("unknown --watch-decode %q (want lean or full)", o.watchDecode)
	case o.concurrency < 1:
		return errors.New("--concurrency must be at least 1")
	case o.count < 1:
		return errors.New("--count must be at least 1")
	case o.size < 0:
		return errors.New("--size must not be negative")
	}
	return nil
}

// run prepares the objects, runs the workers, prints the result and cleans
// up when asked.
func (o *benchOpts) run(ctx context.Context, stdout, stderr io.Writer) error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	clients, err := o.connectAll(ctx, stderr)
	if err != nil {
		return err
	}
	defer func() {
		for _, cl := range clients {
			cl.Close()
		}
	}()
	b := newBench(o, clients, stderr)
	var res benchResult
	if o.op == "watch" {
		if res, err = b.runWatch(ctx); err != nil {
			return err
		}
	} else {
		if err := b.setup(ctx); err != nil {
			return err
		}
		res = b.measure(ctx)
	}
	if o.cleanup {
		b.cleanupObjects(context.WithoutCancel(ctx))
	}
	return json.NewEncoder(stdout).Encode(res)
}

// bench is one run: its objects are named bench-<runid>-<i>.
type bench struct {
	opts    *benchOpts
	clients []*client.Client
	stderr  io.Writer
	runID   string
	body    []byte
	// rvs holds, per worker, the resourceVersion of its object (update).
	rvs      []uint64
	errors   atomic.Int64
	firstErr sync.Once
}

// newBench prepares a run with a fresh run id.
func newBench(o *benchOpts, clients []*client.Client, stderr io.Writer) *bench {
	id := make([]byte, 4)
	_, _ = rand.Read(id)
	return &bench{opts: o, clients: clients, stderr: stderr, runID: hex.EncodeToString(id),
		body: configMapBody(o.size), rvs: make([]uint64, o.concurrency)}
}

// bodyPrefix precedes the data value in a bench body.
const bodyPrefix = `{"data":{"v":"`

// configMapBody is a ConfigMap body with one data key of size bytes.
func configMapBody(size int) []byte {
	b := make([]byte, 0, len(bodyPrefix)+size+3)
	b = append(b, bodyPrefix...)
	for range size {
		b = append(b, 'x')
	}
	return append(b, `"}}`...)
}

// client returns the connection worker w uses.
func (b *bench) client(w int) *client.Client { return b.clients[w%len(b.clients)] }

// connectAll opens the --connections clients, each sending to the leader
// unless --via-any.
func (o *benchOpts) connectAll(ctx context.Context, stderr io.Writer) ([]*client.Client, error) {
	var clients []*client.Client
	for range max(o.connections, 1) {
		cl, err := o.connect()
		if err != nil {
			for _, c := range clients {
				c.Close()
			}
			return nil, err
		}
		clients = append(clients, cl)
		if o.viaAny {
			continue
		}
		if _, err := cl.PreferLeader(ctx); err != nil {
			fmt.Fprintf(stderr, "bench: could not find the leader (%v); using the endpoints in order\n", err)
		}
	}
	return clients, nil
}

// name is the name of the bench object i.
func (b *bench) name(i int) string { return fmt.Sprintf("bench-%s-%d", b.runID, i) }

// template returns a ConfigMap a worker reuses for every request.
func (b *bench) template(name string) *pb.Object {
	return &pb.Object{ApiVersion: "v1", Kind: "ConfigMap",
		Metadata: &pb.ObjectMeta{Name: name, Namespace: b.opts.namespace},
		Body:     append([]byte(nil), b.body...)}
}

// noteError counts an error and prints the first one.
func (b *bench) noteError(err error) {
	b.errors.Add(1)
	b.firstErr.Do(func() { fmt.Fprintln(b.stderr, "bench: first error:", errorMessage(err)) })
}

// startCPUProfile profiles this process into path until stop is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

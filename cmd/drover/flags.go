package main

import (
	"context"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/drover/drover/client"
)

// clientOpts are the connection flags every client command takes.
type clientOpts struct {
	server  string
	timeout time.Duration
}

// addClientFlags registers --server and --timeout on fs.
func (o *clientOpts) addClientFlags(fs *pflag.FlagSet) {
	def := os.Getenv("DROVER_SERVER")
	if def == "" {
		def = client.DefaultServer
	}
	fs.StringVar(&o.server, "server", def, "API endpoints, HOST:PORT[,HOST:PORT...] (env DROVER_SERVER)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "timeout of each request")
}

// connect builds a client that fails over between the --server endpoints.
func (o *clientOpts) connect() (*client.Client, error) {
	return client.New(client.ParseEndpoints(o.server))
}

// callCtx bounds one request by --timeout.
func (o *clientOpts) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if o.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, o.timeout)
}

// call connects, runs f with a context bounded by --timeout and closes the
// client again.
func (o *clientOpts) call(ctx context.Context, f func(context.Context, *client.Client) error) error {
	ctx, cancel := o.callCtx(ctx)
	defer cancel()
	cl, err := o.connect()
	if err != nil {
		return err
	}
	defer cl.Close()
	return f(ctx, cl)
}

// nsOpts are the namespace flags of get, delete and describe.
type nsOpts struct {
	namespace string
	all       bool
}

// addNamespaceFlag registers -n/--namespace.
func (o *nsOpts) addNamespaceFlag(fs *pflag.FlagSet) {
	fs.StringVarP(&o.namespace, "namespace", "n", "", `namespace (default "default")`)
}

// addAllNamespacesFlag registers -A/--all-namespaces.
func (o *nsOpts) addAllNamespacesFlag(fs *pflag.FlagSet) {
	fs.BoolVarP(&o.all, "all-namespaces", "A", false, "list across all namespaces")
}

// effective returns the namespace to address for kind info: empty for
// cluster-scoped kinds and with -A, else -n or "default".
func (o *nsOpts) effective(namespaced bool) string {
	if !namespaced || o.all {
		return ""
	}
	return defaultNamespace(o.namespace)
}

// defaultNamespace is ns, or "default" when empty.
func defaultNamespace(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

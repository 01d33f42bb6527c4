package main

import (
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/drover/drover/client"
)

func TestGetFlags(t *testing.T) {
	o := &getOpts{}
	cmd := &cobra.Command{}
	o.addFlags(cmd)
	args := []string{"-n", "web", "-l", "app=x", "--field-selector", "status.phase=Running", "-o", "wide",
		"-w", "--resource-version", "42", "--stale", "--server", "a:1,b:2", "--timeout", "3s"}
	if err := cmd.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	if o.namespace != "web" || o.labelSelector != "app=x" || o.fieldSelector != "status.phase=Running" ||
		o.output != "wide" || !o.watch || o.resourceVersion != 42 || !o.stale || o.timeout != 3*time.Second {
		t.Errorf("parsed %+v", o)
	}
	if o.chunkSize != 500 {
		t.Errorf("chunk-size default = %d", o.chunkSize)
	}
	if eps := client.ParseEndpoints(o.server); len(eps) != 2 {
		t.Errorf("endpoints %v", eps)
	}
	if o.effective(true) != "web" || o.effective(false) != "" {
		t.Errorf("effective namespace wrong")
	}
}

func TestServerDefault(t *testing.T) {
	t.Setenv("DROVER_SERVER", "")
	o := &clientOpts{}
	cmd := &cobra.Command{}
	o.addClientFlags(cmd.Flags())
	if o.server != client.DefaultServer || o.timeout != 10*time.Second {
		t.Errorf("defaults: %+v", o)
	}
	t.Setenv("DROVER_SERVER", "h:9")
	o = &clientOpts{}
	o.addClientFlags((&cobra.Command{}).Flags())
	if o.server != "h:9" {
		t.Errorf("env default: %q", o.server)
	}
}

func TestAllNamespacesAndDefault(t *testing.T) {
	o := &getOpts{}
	cmd := &cobra.Command{}
	o.addFlags(cmd)
	if err := cmd.ParseFlags([]string{"-A"}); err != nil {
		t.Fatal(err)
	}
	if o.effective(true) != "" {
		t.Errorf("-A namespace %q", o.effective(true))
	}
	o.all = false
	if o.effective(true) != "default" {
		t.Errorf("default namespace %q", o.effective(true))
	}
}

func TestValidate(t *testing.T) {
	o := &getOpts{output: "xml"}
	if o.validate([]string{"pods"}) == nil {
		t.Error("bad output accepted")
	}
	o = &getOpts{watch: true}
	if o.validate([]string{"pods", "a", "b"}) == nil {
		t.Error("watch with two names accepted")
	}
	b := &benchOpts{op: "create", concurrency: 1, count: 1}
	if err := b.validate(); err != nil {
		t.Error(err)
	}
	for _, bad := range []benchOpts{{op: "scan", concurrency: 1, count: 1}, {op: "get", count: 1}, {op: "get", concurrency: 1},
		{op: "watch", concurrency: 1, count: 1, watchers: 1, rate: 1, watchDecode: "partial"}} {
		if bad.validate() == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestCommandTree(t *testing.T) {
	root := newRootCmd()
	for _, name := range []string{"node", "apply", "get", "delete", "describe", "bench"} {
		if c, _, err := root.Find([]string{name}); err != nil || c.Name() != name {
			t.Errorf("command %s missing", name)
		}
	}
	bench, _, _ := root.Find([]string{"bench"})
	for _, f := range []string{"op", "concurrency", "count", "size", "namespace", "cleanup", "server", "timeout"} {
		if bench.Flags().Lookup(f) == nil {
			t.Errorf("bench --%s missing", f)
		}
	}
}

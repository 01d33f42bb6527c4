package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// getOpts are the flags of `drover get`.
type getOpts struct {
	clientOpts
	nsOpts
	labelSelector   string
	fieldSelector   string
	output          string
	watch           bool
	watchOnly       bool
	resourceVersion uint64
	chunkSize       int64
	stale           bool
}

// newGetCmd builds `drover get KIND [NAME...]`.
func newGetCmd() *cobra.Command {
	o := &getOpts{}
	cmd := &cobra.Command{
		Use:   "get KIND [NAME...]",
		Short: "List objects, or show some by name",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args)
		},
	}
	o.addFlags(cmd)
	return cmd
}

// addFlags registers get's flags.
func (o *getOpts) addFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	o.addNamespaceFlag(fs)
	o.addAllNamespacesFlag(fs)
	fs.StringVarP(&o.labelSelector, "selector", "l", "", "label selector (app=web,tier!=db,env in (a,b))")
	fs.StringVar(&o.fieldSelector, "field-selector", "", "field selector (metadata.name, metadata.namespace, spec.nodeName, status.phase)")
	fs.StringVarP(&o.output, "output", "o", "", "output format: wide, yaml, json or name")
	fs.BoolVarP(&o.watch, "watch", "w", false, "after listing, watch for changes")
	fs.BoolVar(&o.watchOnly, "watch-only", false, "watch for changes without listing first")
	fs.Uint64Var(&o.resourceVersion, "resource-version", 0, "list (or start watching) at this revision")
	fs.Int64Var(&o.chunkSize, "chunk-size", 500, "list in pages of this many objects (0: one page)")
	fs.BoolVar(&o.stale, "stale", false, "serve reads from the answering node without a leadership check")
	o.addClientFlags(fs)
}

// run lists, gets or watches.
func (o *getOpts) run(cmd *cobra.Command, args []string) error {
	k, err := resolveKind(args[0])
	if err != nil {
		return err
	}
	if err := o.validate(args); err != nil {
		return err
	}
	cl, err := o.connect()
	if err != nil {
		return err
	}
	defer cl.Close()
	p := newPrinter(cmd.OutOrStdout(), o.output, k, o.all && k.Namespaced)
	names := args[1:]
	if len(names) > 0 && !o.watching() {
		return o.getNames(cmd, cl, k, p, names)
	}
	return o.listAndWatch(cmd, cl, k, p, names)
}

// watching reports whether -w or --watch-only was given.
func (o *getOpts) watching() bool { return o.watch || o.watchOnly }

// validate checks flag combinations.
func (o *getOpts) validate(args []string) error {
	if err := validOutput(o.output); err != nil {
		return err
	}
	if o.watching() && len(args) > 2 {
		return errors.New("watch takes at most one NAME")
	}
	if o.all && len(args) > 1 {
		return errors.New("a NAME cannot be combined with --all-namespaces")
	}
	return nil
}

// getNames prints objects by name; missing ones are reported, the rest
// printed.
func (o *getOpts) getNames(cmd *cobra.Command, cl *client.Client, k *pb.KindInfo, p *printer, names []string) error {
	var objs []*pb.Object
	failed := false
	for _, name := range names {
		obj, err := o.getOne(cmd.Context(), cl, k, name)
		if err != nil {
			reportError(cmd.ErrOrStderr(), err)
			failed = true
			continue
		}
		objs = append(objs, obj)
	}
	if err := o.printNamed(p, objs); err != nil {
		return err
	}
	if failed {
		return errReported
	}
	return nil
}

// printNamed prints one named object as itself, several as a List.
func (o *getOpts) printNamed(p *printer, objs []*pb.Object) error {
	switch {
	case len(objs) == 0:
		return nil
	case len(objs) == 1:
		return p.printObject(objs[0])
	}
	return p.printList(objs)
}

func (o *getOpts) getOne(ctx context.Context, cl *client.Client, k *pb.KindInfo, name string) (*pb.Object, error) {
	ctx, cancel := o.callCtx(ctx)
	defer cancel()
	return cl.Get(ctx, &pb.GetRequest{Kind: k.Kind, Namespace: o.effective(k.Namespaced), Name: name, Stale: o.stale})
}

// listAndWatch lists (unless --watch-only), then watches with -w.
func (o *getOpts) listAndWatch(cmd *cobra.Command, cl *client.Client, k *pb.KindInfo, p *printer, names []string) error {
	w := &watcher{opts: o, cl: cl, kind: k, printer: p, fieldSelector: o.fieldSelector}
	if len(names) == 1 {
		w.fieldSelector = joinSelectors(o.fieldSelector, "metadata.name="+names[0])
	}
	if o.watchOnly {
		return w.run(cmd.Context(), 0)
	}
	objs, rev, err := o.listAll(cmd.Context(), cl, k, w.fieldSelector)
	if err != nil {
		return err
	}
	if err := o.printListed(cmd, k, p, objs); err != nil {
		return err
	}
	if !o.watch {
		return nil
	}
	return w.run(cmd.Context(), rev)
}

// printListed prints a list, or kubectl's "No resources found" note.
func (o *getOpts) printListed(cmd *cobra.Command, k *pb.KindInfo, p *printer, objs []*pb.Object) error {
	if len(objs) > 0 || o.output == outYAML || o.output == outJSON {
		return p.printList(objs)
	}
	if !o.watching() {
		fmt.Fprintln(cmd.ErrOrStderr(), noResources(o.effective(k.Namespaced)))
	}
	return nil
}

// noResources is kubectl's message for an empty list.
func noResources(ns string) string {
	if ns == "" {
		return "No resources found"
	}
	return fmt.Sprintf("No resources found in %s namespace.", ns)
}

// joinSelectors joins non-empty selectors with commas.
func joinSelectors(a, b string) string {
	if a == "" {
		return b
	}
	return a + "," + b
}

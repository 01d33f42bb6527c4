package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// describeOpts are the flags of `drover describe`.
type describeOpts struct {
	clientOpts
	nsOpts
}

// newDescribeCmd builds `drover describe KIND NAME...`.
func newDescribeCmd() *cobra.Command {
	o := &describeOpts{}
	cmd := &cobra.Command{
		Use:   "describe KIND NAME [NAME...]",
		Short: "Show objects in a readable, kubectl-like form",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args)
		},
	}
	o.addNamespaceFlag(cmd.Flags())
	o.addClientFlags(cmd.Flags())
	return cmd
}

// run describes each named object, separated by blank lines.
func (o *describeOpts) run(cmd *cobra.Command, args []string) error {
	k, err := resolveKind(args[0])
	if err != nil {
		return err
	}
	cl, err := o.connect()
	if err != nil {
		return err
	}
	defer cl.Close()
	for i, name := range args[1:] {
		obj, err := o.get(cmd.Context(), cl, &pb.GetRequest{Kind: k.Kind, Namespace: o.effective(k.Namespaced), Name: name})
		if err != nil {
			return err
		}
		if i > 0 {
			fmt.Fprintln(cmd.OutOrStdout())
		}
		if err := describe(cmd.OutOrStdout(), obj, time.Now()); err != nil {
			return err
		}
	}
	return nil
}

func (o *describeOpts) get(ctx context.Context, cl *client.Client, req *pb.GetRequest) (*pb.Object, error) {
	ctx, cancel := o.callCtx(ctx)
	defer cancel()
	return cl.Get(ctx, req)
}

// describer writes indented "Key:  value" lines aligned by a tabwriter.
type describer struct {
	tw  *tabwriter.Writer
	now time.Time
	// level is added to every line's indent level (nested containers).
	level int
}

// line writes one line at an indent level; a tab separates key and value.
func (d *describer) line(level int, format string, args ...any) {
	fmt.Fprintf(d.tw, strings.Repeat("  ", d.level+level)+format+"\n", args...)
}

// describe renders one object: common metadata, then its kind's sections.
func describe(w io.Writer, obj *pb.Object, now time.Time) error {
	d := &describer{tw: tabwriter.NewWriter(w, 0, 8, 2, ' ', 0), now: now}
	d.meta(obj)
	if f, ok := describers[obj.Kind]; ok {
		if err := f(d, obj); err != nil {
			return err
		}
	}
	return d.tw.Flush()
}

// meta writes the metadata every kind shares.
func (d *describer) meta(obj *pb.Object) {
	md := obj.GetMetadata()
	d.line(0, "Name:\t%s", md.GetName())
	if md.GetNamespace() != "" {
		d.line(0, "Namespace:\t%s", md.GetNamespace())
	}
	d.stringMap(0, "Labels", md.GetLabels())
	d.stringMap(0, "Annotations", withoutKey(md.GetAnnotations(), lastAppliedKey))
	d.line(0, "Resource Version:\t%d", md.GetResourceVersion())
	d.line(0, "UID:\t%s", orNone(md.GetUid()))
	d.line(0, "Created:\t%s", d.timestamp(md.GetCreationTimestamp()))
	if md.GetDeletionTimestamp() != 0 {
		d.line(0, "Deletion Timestamp:\t%s", d.timestamp(md.GetDeletionTimestamp()))
	}
	for _, ref := range md.GetOwnerReferences() {
		if ref.Controller {
			d.line(0, "Controlled By:\t%s/%s", ref.Kind, ref.Name)
		}
	}
	if f := md.GetFinalizers(); len(f) > 0 {
		d.line(0, "Finalizers:\t[%s]", strings.Join(f, " "))
	}
}

// timestamp formats Unix nanoseconds like kubectl, with the age.
func (d *describer) timestamp(ns int64) string {
	if ns == 0 {
		return "<unset>"
	}
	t := time.Unix(0, ns)
	return fmt.Sprintf("%s (%s ago)", t.Format(time.RFC1123Z), age(t, d.now))
}

// stringMap writes labels or annotations, one pair a line.
func (d *describer) stringMap(level int, title string, m map[string]string) {
	if len(m) == 0 {
		d.line(level, "%s:\t<none>", title)
		return
	}
	for i, k := range sortedKeys(m) {
		label := ""
		if i == 0 {
			label = title + ":"
		}
		d.line(level, "%s\t%s=%s", label, k, m[k])
	}
}

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// deleteOpts are the flags of `drover delete`.
type deleteOpts struct {
	clientOpts
	nsOpts
	files []string
}

// newDeleteCmd builds `drover delete KIND NAME... | -f FILE`.
func newDeleteCmd() *cobra.Command {
	o := &deleteOpts{}
	cmd := &cobra.Command{
		Use:   "delete (KIND NAME [NAME...] | -f FILE)",
		Short: "Delete objects by name or by manifest",
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd, args)
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVarP(&o.files, "filename", "f", nil, "manifest file, directory or - naming the objects to delete (repeatable)")
	o.addNamespaceFlag(fs)
	o.addClientFlags(fs)
	return cmd
}

// targets lists the objects to delete, from arguments or manifests.
func (o *deleteOpts) targets(cmd *cobra.Command, args []string) ([]*pb.DeleteRequest, error) {
	if len(o.files) > 0 {
		if len(args) > 0 {
			return nil, errors.New("give either KIND NAME... or -f, not both")
		}
		return o.manifestTargets(cmd)
	}
	if len(args) < 2 {
		return nil, errors.New("usage: drover delete KIND NAME [NAME...] or drover delete -f FILE")
	}
	k, err := resolveKind(args[0])
	if err != nil {
		return nil, err
	}
	var reqs []*pb.DeleteRequest
	for _, name := range args[1:] {
		reqs = append(reqs, &pb.DeleteRequest{Kind: k.Kind, Namespace: o.effective(k.Namespaced), Name: name})
	}
	return reqs, nil
}

// manifestTargets names the objects of the -f manifests.
func (o *deleteOpts) manifestTargets(cmd *cobra.Command) ([]*pb.DeleteRequest, error) {
	objs, err := readManifests(o.files, cmd.InOrStdin())
	if err != nil {
		return nil, err
	}
	var reqs []*pb.DeleteRequest
	for _, obj := range objs {
		if _, err := placeObject(obj, o.namespace); err != nil {
			return nil, err
		}
		reqs = append(reqs, &pb.DeleteRequest{Kind: obj.Kind, Namespace: obj.Metadata.Namespace, Name: obj.Metadata.Name})
	}
	return reqs, nil
}

// run deletes every target, reporting each failure and going on.
func (o *deleteOpts) run(cmd *cobra.Command, args []string) error {
	reqs, err := o.targets(cmd, args)
	if err != nil {
		return err
	}
	cl, err := o.connect()
	if err != nil {
		return err
	}
	defer cl.Close()
	failed := false
	for _, req := range reqs {
		if err := o.deleteOne(cmd.Context(), cl, req); err != nil {
			reportError(cmd.ErrOrStderr(), err)
			failed = true
			continue
		}
		k, _ := pb.LookupKind(req.Kind)
		fmt.Fprintf(cmd.OutOrStdout(), "%s %q deleted\n", resourceName(k.Kind, k.APIVersion), req.Name)
	}
	if failed {
		return errReported
	}
	return nil
}

func (o *deleteOpts) deleteOne(ctx context.Context, cl *client.Client, req *pb.DeleteRequest) error {
	ctx, cancel := o.callCtx(ctx)
	defer cancel()
	_, err := cl.Delete(ctx, req)
	return err
}

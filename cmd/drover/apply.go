package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// applyAttempts bounds the get+update retries on a write conflict.
const applyAttempts = 5

// applyOpts are the flags of `drover apply`.
type applyOpts struct {
	clientOpts
	files     []string
	namespace string
}

// newApplyCmd builds `drover apply -f FILE|DIR|-`.
func newApplyCmd() *cobra.Command {
	o := &applyOpts{}
	cmd := &cobra.Command{
		Use:   "apply -f FILE|DIR|-",
		Short: "Create or update objects from manifests",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd)
		},
	}
	fs := cmd.Flags()
	fs.StringArrayVarP(&o.files, "filename", "f", nil, "manifest file, directory or - for stdin (repeatable)")
	fs.StringVarP(&o.namespace, "namespace", "n", "", `namespace for objects that name none (default "default")`)
	o.addClientFlags(fs)
	_ = cmd.MarkFlagRequired("filename")
	return cmd
}

// run applies every object, reporting each failure and going on.
func (o *applyOpts) run(cmd *cobra.Command) error {
	objs, err := readManifests(o.files, cmd.InOrStdin())
	if err != nil {
		return err
	}
	cl, err := o.connect()
	if err != nil {
		return err
	}
	defer cl.Close()
	failed := false
	for _, obj := range objs {
		result, err := o.applyOne(cmd.Context(), cl, obj)
		if err != nil {
			reportError(cmd.ErrOrStderr(), err)
			failed = true
			continue
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%s/%s %s\n", resourceName(obj.Kind, obj.ApiVersion), obj.Metadata.Name, result)
	}
	if failed {
		return errReported
	}
	return nil
}

// applyOne creates or updates one object and says which it did.
func (o *applyOpts) applyOne(ctx context.Context, cl *client.Client, obj *pb.Object) (string, error) {
	if _, err := placeObject(obj, o.namespace); err != nil {
		return "", err
	}
	want, err := withLastApplied(obj)
	if err != nil {
		return "", err
	}
	for attempt := 1; ; attempt++ {
		result, err := o.applyAttempt(ctx, cl, want)
		if !retryConflict(err) || attempt == applyAttempts {
			return result, err
		}
	}
}

// retryConflict reports errors that a fresh get+update may resolve: a
// resourceVersion conflict, or a create racing another.
func retryConflict(err error) bool {
	c := status.Code(err)
	return c == codes.Aborted || c == codes.AlreadyExists
}

// applyAttempt reads the live object and creates or updates it.
func (o *applyOpts) applyAttempt(ctx context.Context, cl *client.Client, want *pb.Object) (string, error) {
	md := want.Metadata
	live, err := o.get(ctx, cl, &pb.GetRequest{Kind: want.Kind, Namespace: md.Namespace, Name: md.Name})
	if status.Code(err) == codes.NotFound {
		return "created", o.create(ctx, cl, want)
	}
	if err != nil {
		return "", err
	}
	next, changed, err := planUpdate(live, want)
	if err != nil {
		return "", fmt.Errorf("%s %q: %w", want.Kind, md.Name, err)
	}
	if !changed {
		return "unchanged", nil
	}
	return "configured", o.update(ctx, cl, next)
}

func (o *applyOpts) get(ctx context.Context, cl *client.Client, req *pb.GetRequest) (*pb.Object, error) {
	ctx, cancel := o.callCtx(ctx)
	defer cancel()
	return cl.Get(ctx, req)
}

func (o *applyOpts) create(ctx context.Context, cl *client.Client, obj *pb.Object) error {
	ctx, cancel := o.callCtx(ctx)
	defer cancel()
	_, err := cl.Create(ctx, forCreate(obj))
	return err
}

func (o *applyOpts) update(ctx context.Context, cl *client.Client, obj *pb.Object) error {
	if obj.Metadata.ResourceVersion == 0 {
		return errors.New("internal: update without a resourceVersion precondition")
	}
	ctx, cancel := o.callCtx(ctx)
	defer cancel()
	_, err := cl.Update(ctx, obj)
	return err
}

// forCreate copies a manifest object without the fields the server owns
// (a re-applied `get -o yaml` output carries them).
func forCreate(obj *pb.Object) *pb.Object {
	c := proto.Clone(obj).(*pb.Object)
	md := c.Metadata
	md.Uid, md.ResourceVersion, md.Generation = "", 0, 0
	md.CreationTimestamp, md.DeletionTimestamp = 0, 0
	return c
}

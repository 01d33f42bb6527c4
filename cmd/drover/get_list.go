package main

import (
	"context"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// listAll reads every page of a list (--chunk-size objects a page) and
// returns the items with the revision the list was read at.
func (o *getOpts) listAll(ctx context.Context, cl *client.Client, k *pb.KindInfo, fieldSelector string) ([]*pb.Object, uint64, error) {
	req := o.listRequest(k, fieldSelector, o.chunkSize)
	var items []*pb.Object
	var rev uint64
	for {
		resp, err := o.listPage(ctx, cl, req)
		if err != nil {
			return nil, 0, err
		}
		items = append(items, resp.Items...)
		if rev == 0 {
			rev = resp.ResourceVersion
		}
		if resp.ContinueToken == "" {
			return items, rev, nil
		}
		req.ContinueToken, req.ResourceVersion = resp.ContinueToken, 0
	}
}

// listRequest builds the first page's request from the flags.
func (o *getOpts) listRequest(k *pb.KindInfo, fieldSelector string, limit int64) *pb.ListRequest {
	return &pb.ListRequest{
		Kind: k.Kind, Namespace: o.effective(k.Namespaced),
		LabelSelector: o.labelSelector, FieldSelector: fieldSelector,
		Limit: limit, ResourceVersion: o.resourceVersion, Stale: o.stale,
	}
}

func (o *getOpts) listPage(ctx context.Context, cl *client.Client, req *pb.ListRequest) (*pb.ListResponse, error) {
	ctx, cancel := o.callCtx(ctx)
	defer cancel()
	return cl.List(ctx, req)
}

// currentRevision asks for the revision a watch-only run starts after: a
// one-item list with the same filters.
func (o *getOpts) currentRevision(ctx context.Context, cl *client.Client, k *pb.KindInfo, fieldSelector string) (uint64, error) {
	resp, err := o.listPage(ctx, cl, o.listRequest(k, fieldSelector, 1))
	if err != nil {
		return 0, err
	}
	return resp.ResourceVersion, nil
}

package client

import (
	"context"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
)

// batchWatch is a WatchBatches stream seen as a Watch stream: Recv hands
// out the events of each WatchEvents message in order. When the server
// does not implement WatchBatches it opens Watch with the same request
// instead, before any event was received, so nothing is lost or repeated.
type batchWatch struct {
	// ClientStream is the stream being read, for Header, Trailer,
	// CloseSend and Context.
	grpc.ClientStream
	ctx     context.Context
	conn    *grpc.ClientConn
	req     *pb.WatchRequest
	batches pb.Objects_WatchBatchesClient
	// plain is the Watch stream after a fallback.
	plain   pb.Objects_WatchClient
	pending []*pb.WatchEvent
	started bool
}

// Recv returns the next event.
func (w *batchWatch) Recv() (*pb.WatchEvent, error) {
	if w.plain != nil {
		return w.plain.Recv()
	}
	for len(w.pending) == 0 {
		msg, err := w.batches.Recv()
		if err != nil {
			if !w.started && status.Code(err) == codes.Unimplemented {
				return w.fallBack()
			}
			return nil, err
		}
		w.started = true
		w.pending = msg.GetEvents()
	}
	ev := w.pending[0]
	w.pending[0], w.pending = nil, w.pending[1:]
	return ev, nil
}

// fallBack switches to a plain Watch stream and returns its first event.
func (w *batchWatch) fallBack() (*pb.WatchEvent, error) {
	plain, err := pb.NewObjectsClient(w.conn).Watch(w.ctx, w.req)
	if err != nil {
		return nil, err
	}
	w.plain, w.ClientStream = plain, plain
	return plain.Recv()
}

// RecvMsg receives the next event into m, a *pb.WatchEvent.
func (w *batchWatch) RecvMsg(m any) error {
	dst, ok := m.(*pb.WatchEvent)
	if !ok {
		return fmt.Errorf("client: a watch stream receives *WatchEvent, not %T", m)
	}
	ev, err := w.Recv()
	if err != nil {
		return err
	}
	proto.Reset(dst)
	proto.Merge(dst, ev)
	return nil
}

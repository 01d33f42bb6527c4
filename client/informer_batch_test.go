package client_test

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// splitServer serves watches of one revision, 11, which changes two
// objects, a and b: the first stream breaks after a (flagged as not the
// last of 11), later ones deliver 11 whole to a watch from before it.
type splitServer struct {
	pb.UnimplementedObjectsServer
	// from receives the revision of each watch request.
	from    chan uint64
	watches atomic.Int64
}

func (f *splitServer) Watch(req *pb.WatchRequest, stream pb.Objects_WatchServer) error {
	first := f.watches.Add(1) == 1
	f.from <- req.GetResourceVersion()
	a := &pb.WatchEvent{Type: pb.EventType_ADDED, Object: configMap("a", "1"), Revision: 11, MoreAtRevision: true}
	b := &pb.WatchEvent{Type: pb.EventType_ADDED, Object: configMap("b", "1"), Revision: 11}
	if req.GetResourceVersion() < 11 {
		if err := stream.Send(a); err != nil {
			return err
		}
		if first {
			return status.Error(codes.Unavailable, "connection reset in the middle of revision 11")
		}
		if err := stream.Send(b); err != nil {
			return err
		}
	}
	<-stream.Context().Done()
	return nil
}

// The informer applies a revision only once its last event arrived: a
// stream that breaks in the middle of revision 11 is resumed from 10, and
// 11 is applied once, whole.
func TestInformerResumesBeforeASplitRevision(t *testing.T) {
	f := &splitServer{from: make(chan uint64, 16)}
	cl := serveObjects(t, f)

	var r recorder
	inf := runInformer(t, cl, client.InformerConfig{Kind: "ConfigMap", WatchFrom: 10, Handlers: r.handlers()})
	for i, want := range []uint64{10, 10} {
		select {
		case got := <-f.from:
			if got != want {
				t.Fatalf("watch %d from %d, want %d: the partly received revision 11 counted as received", i, got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no watch %d", i)
		}
	}
	eventually(t, "revision 11 applied", func() bool { return inf.Store().ResourceVersion() == 11 })
	if got, want := r.saw(), []string{"add a", "add b"}; !slices.Equal(got, want) {
		t.Fatalf("handlers saw %q, want %q", got, want)
	}
	if inf.Store().Len() != 2 {
		t.Fatalf("store holds %d objects, want 2", inf.Store().Len())
	}
}

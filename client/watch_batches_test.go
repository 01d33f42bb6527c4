package client_test

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// serveObjects serves srv on a loopback port for the test and returns a
// client of it.
func serveObjects(t *testing.T, srv pb.ObjectsServer) *client.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	pb.RegisterObjectsServer(g, srv)
	go g.Serve(l)
	t.Cleanup(g.Stop)
	cl, err := client.New([]string{l.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// plainWatchServer implements Watch only, as a server from before
// WatchBatches: it sends two events of revision 5.
type plainWatchServer struct{ pb.UnimplementedObjectsServer }

func (plainWatchServer) Watch(req *pb.WatchRequest, stream pb.Objects_WatchServer) error {
	for _, ev := range []*pb.WatchEvent{
		{Type: pb.EventType_ADDED, Object: configMap("a", "1"), Revision: 5, MoreAtRevision: true},
		{Type: pb.EventType_ADDED, Object: configMap("b", "1"), Revision: 5},
	} {
		if err := stream.Send(ev); err != nil {
			return err
		}
	}
	<-stream.Context().Done()
	return nil
}

// Against a server without WatchBatches, Watch falls back to the plain
// stream and delivers its events, flags included, through Recv and
// RecvMsg alike.
func TestWatchFallsBackWithoutBatches(t *testing.T) {
	cl := serveObjects(t, plainWatchServer{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := cl.Watch(ctx, &pb.WatchRequest{Kind: "ConfigMap"})
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Recv()
	if err != nil || first.GetObject().GetMetadata().GetName() != "a" || !first.MoreAtRevision {
		t.Fatalf("first event %v, %v", first, err)
	}
	var second pb.WatchEvent
	if err := s.RecvMsg(&second); err != nil || second.GetObject().GetMetadata().GetName() != "b" || second.MoreAtRevision || second.Revision != 5 {
		t.Fatalf("second event %v, %v", &second, err)
	}
}

package main

import (
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
)

func TestLeanWatchCodec(t *testing.T) {
	full := &pb.WatchEvent{Type: pb.EventType_MODIFIED, Revision: 4242, MoreAtRevision: true,
		Object: &pb.Object{ApiVersion: "v1", Kind: "ConfigMap", Body: []byte(`{"data":{"k":"v"}}`),
			Metadata: &pb.ObjectMeta{Name: "bench-7", Namespace: "default", ResourceVersion: 4242,
				Labels: map[string]string{"a": "b"}}}}
	data, err := proto.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	codec := newLeanWatchCodec()
	// As one buffer and split in two, as gRPC may hand it over.
	for _, in := range []mem.BufferSlice{{mem.SliceBuffer(data)}, {mem.SliceBuffer(data[:7]), mem.SliceBuffer(data[7:])}} {
		var got pb.WatchEvent
		if err := codec.Unmarshal(in, &got); err != nil {
			t.Fatal(err)
		}
		if got.Type != full.Type || got.Revision != full.Revision || got.GetObject().GetMetadata().GetName() != "bench-7" {
			t.Errorf("lean decode = %v", &got)
		}
	}
	var ev pb.WatchEvent
	if err := codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(data[:len(data)-3])}, &ev); err == nil {
		t.Error("a truncated event decoded without error")
	}
	// A batch decodes each of its events lean.
	second := proto.Clone(full).(*pb.WatchEvent)
	second.Object.Metadata.Name, second.Revision = "bench-8", 4243
	batch, err := proto.Marshal(&pb.WatchEvents{Events: []*pb.WatchEvent{full, second}})
	if err != nil {
		t.Fatal(err)
	}
	var evs pb.WatchEvents
	if err := codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(batch)}, &evs); err != nil || len(evs.Events) != 2 ||
		evs.Events[0].GetObject().GetMetadata().GetName() != "bench-7" || evs.Events[1].Revision != 4243 ||
		evs.Events[1].GetObject().GetMetadata().GetName() != "bench-8" {
		t.Errorf("lean batch decode = %v, %v", &evs, err)
	}
	// Other messages decode in full.
	req, _ := proto.Marshal(&pb.WatchRequest{Kind: "Pod", ResourceVersion: 9})
	var got pb.WatchRequest
	if err := codec.Unmarshal(mem.BufferSlice{mem.SliceBuffer(req)}, &got); err != nil || got.Kind != "Pod" || got.ResourceVersion != 9 {
		t.Errorf("WatchRequest = %v, %v", &got, err)
	}
}

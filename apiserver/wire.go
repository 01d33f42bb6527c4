package apiserver

import (
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/experimental"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/drover/drover/proto/wirepool"
)

// Watch events are encoded once per event, not once per watch: a batch
// published to a hundred watches is marshalled once for all of them and
// sent as the same bytes. The gRPC server serving this API must use
// ServerOptions, whose codec sends such pre-encoded messages as they are.

// ServerOptions are the options a gRPC server serving this API needs.
func ServerOptions() []grpc.ServerOption {
	return append(keepaliveServerOptions(), grpc.ForceServerCodecV2(wireCodec{encoding.GetCodecV2("proto")}),
		experimental.BufferPool(wirepool.Shared))
}

// wireCodec is gRPC's protobuf codec, except that it sends a preEncoded
// message's bytes unchanged.
type wireCodec struct{ proto encoding.CodecV2 }

func (c wireCodec) Marshal(v any) (mem.BufferSlice, error) {
	if p, ok := v.(*preEncodedParts); ok {
		return p.parts, nil
	}
	if p, ok := v.(*preEncoded); ok {
		if p.more {
			return mem.BufferSlice{mem.SliceBuffer(p.data), mem.SliceBuffer(moreAtRevisionWire)}, nil
		}
		return mem.BufferSlice{mem.SliceBuffer(p.data)}, nil
	}
	return c.proto.Marshal(v)
}

func (c wireCodec) Unmarshal(data mem.BufferSlice, v any) error { return c.proto.Unmarshal(data, v) }

// Name is the content subtype: clients see plain protobuf.
func (c wireCodec) Name() string { return "proto" }

// preEncoded is a WatchEvent already in its wire form (data: shared, never
// changed) and its more_at_revision flag. The flag depends on the watch's
// filter, so it is not part of the shared bytes: a protobuf message may be
// sent as several concatenated parts, and the codec appends the encoded
// flag when it is set.
type preEncoded struct {
	data []byte
	more bool
}

// preEncodedParts is a message already in wire form, in parts that
// concatenate to it (a WatchEvents built by batchStream).
type preEncodedParts struct{ parts mem.BufferSlice }

// moreAtRevisionWire is the wire form of WatchEvent{more_at_revision: true}.
var moreAtRevisionWire = mustMarshal(&pb.WatchEvent{MoreAtRevision: true})

func mustMarshal(m proto.Message) []byte {
	data, err := proto.Marshal(m)
	if err != nil {
		panic(err)
	}
	return data
}

// eventWire holds the encodings of one published event, made on first use
// and shared by every watch that sends the same form of it (a selector
// watch may send an event as ADDED or DELETED instead).
type eventWire struct {
	mu    sync.Mutex
	forms []wireForm
}

type wireForm struct {
	typ  pb.EventType
	obj  *pb.Object
	data []byte
}

// encode returns the WatchEvent{typ, obj, rev} in wire form.
func (e *eventWire) encode(typ pb.EventType, obj *pb.Object, rev uint64) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, f := range e.forms {
		if f.typ == typ && f.obj == obj {
			return f.data, nil
		}
	}
	data, err := proto.Marshal(&pb.WatchEvent{Type: typ, Object: obj, Revision: rev})
	if err != nil {
		return nil, err
	}
	e.forms = append(e.forms, wireForm{typ, obj, data})
	return data, nil
}

package main

import (
	"errors"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"

	pb "github.com/drover/drover/proto/droverpb"
)

// The watch bench's watchers read only what they measure from each event:
// its type, revision and object name. Decoding every 1 KiB object in full
// would make the load generator, which shares the machine with the
// cluster, spend about as much CPU as the three nodes together; that is
// the client's cost, not delivery's (`--watch-decode full` measures with
// it). The bytes still arrive whole: gRPC reads every message before the
// codec sees it.

// leanWatchCodec is gRPC's protobuf codec except that it decodes a
// WatchEvent's type, revision and object name only, alone or in a
// WatchEvents batch.
type leanWatchCodec struct{ proto encoding.CodecV2 }

func newLeanWatchCodec() leanWatchCodec { return leanWatchCodec{encoding.GetCodecV2("proto")} }

func (c leanWatchCodec) Marshal(v any) (mem.BufferSlice, error) { return c.proto.Marshal(v) }

func (c leanWatchCodec) Name() string { return "proto" }

func (c leanWatchCodec) Unmarshal(data mem.BufferSlice, v any) error {
	switch m := v.(type) {
	case *pb.WatchEvent:
		return decodeLeanEvent(flatten(data), m)
	case *pb.WatchEvents:
		return decodeLeanEvents(flatten(data), m)
	}
	return c.proto.Unmarshal(data, v)
}

// flatten returns a message's bytes, copying only when gRPC handed them
// over in several buffers.
func flatten(data mem.BufferSlice) []byte {
	if len(data) == 1 {
		return data[0].ReadOnlyData()
	}
	return data.Materialize()
}

// decodeLeanEvents decodes each event of a WatchEvents message lean.
func decodeLeanEvents(b []byte, evs *pb.WatchEvents) error {
	evs.Events = evs.Events[:0]
	return eachField(b, func(num protowire.Number, _ uint64, sub []byte) error {
		if num != 1 {
			return nil
		}
		ev := &pb.WatchEvent{}
		evs.Events = append(evs.Events, ev)
		return decodeLeanEvent(sub, ev)
	})
}

var errMalformedEvent = errors.New("malformed watch event")

// decodeLeanEvent fills ev's type, revision and object name from b.
func decodeLeanEvent(b []byte, ev *pb.WatchEvent) error {
	return eachField(b, func(num protowire.Number, v uint64, sub []byte) error {
		switch num {
		case 1:
			ev.Type = pb.EventType(v)
		case 3:
			ev.Revision = v
		case 2: // Object; its metadata is field 3, the name field 1 of that
			meta, err := bytesField(sub, 3)
			if err != nil {
				return err
			}
			name, err := bytesField(meta, 1)
			ev.Object = &pb.Object{Metadata: &pb.ObjectMeta{Name: string(name)}}
			return err
		}
		return nil
	})
}

// bytesField returns the last length-delimited field num of message b
// (nil when absent).
func bytesField(b []byte, num protowire.Number) ([]byte, error) {
	var out []byte
	err := eachField(b, func(n protowire.Number, _ uint64, sub []byte) error {
		if n == num {
			out = sub
		}
		return nil
	})
	return out, err
}

// eachField calls f with each field of the message b: a varint's value or
// a length-delimited field's bytes; other wire types are skipped.
func eachField(b []byte, f func(num protowire.Number, v uint64, sub []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return errMalformedEvent
		}
		b = b[n:]
		var v uint64
		var sub []byte
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			sub, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return errMalformedEvent
		}
		b = b[n:]
		if err := f(num, v, sub); err != nil {
			return err
		}
	}
	return nil
}

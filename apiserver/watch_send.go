package apiserver

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
)

// maxWatchBatchBytes bounds one WatchBatches message: events are added
// until the next would cross it (an event larger than it goes alone), so a
// message stays well under gRPC's default 4 MiB receive limit.
const maxWatchBatchBytes = 1 << 20

// eventSender writes a watch's events to its stream: one message per event
// (Watch) or the events between flushes together (WatchBatches).
type eventSender interface {
	// add sends e, or queues it until the next flush.
	add(e outEvent, more bool) error
	// flush sends what add queued.
	flush() error
}

// eventStream sends one WatchEvent message per event.
type eventStream struct{ stream grpc.ServerStream }

func (s eventStream) add(e outEvent, more bool) error {
	data, err := e.encode()
	if err != nil {
		return err
	}
	return s.stream.SendMsg(&preEncoded{data: data, more: more})
}

func (eventStream) flush() error { return nil }

// batchStream sends the events added between flushes as one WatchEvents
// message, built from the events' shared encodings without copying them.
type batchStream struct {
	stream grpc.ServerStream
	// parts is the message being built; headers holds its events' field
	// headers. Both are handed to gRPC at flush, which may still read them
	// after SendMsg returns, so each message gets new ones.
	parts   mem.BufferSlice
	headers []byte
	size    int
}

func (b *batchStream) add(e outEvent, more bool) error {
	data, err := e.encode()
	if err != nil {
		return err
	}
	n := len(data)
	if more {
		n += len(moreAtRevisionWire)
	}
	if b.size > 0 && b.size+n > maxWatchBatchBytes {
		if err := b.flush(); err != nil {
			return err
		}
	}
	start := len(b.headers)
	b.headers = protowire.AppendTag(b.headers, watchEventsField, protowire.BytesType)
	b.headers = protowire.AppendVarint(b.headers, uint64(n))
	header := b.headers[start:len(b.headers):len(b.headers)]
	b.parts = append(b.parts, mem.SliceBuffer(header), mem.SliceBuffer(data))
	if more {
		b.parts = append(b.parts, mem.SliceBuffer(moreAtRevisionWire))
	}
	b.size += len(header) + n
	return nil
}

func (b *batchStream) flush() error {
	if len(b.parts) == 0 {
		return nil
	}
	msg := &preEncodedParts{parts: b.parts}
	b.parts, b.headers, b.size = nil, nil, 0
	return b.stream.SendMsg(msg)
}

// watchEventsField is WatchEvents.events.
const watchEventsField = 1

// encode returns the WatchEvent of e (without more_at_revision) in wire
// form: its shared encoding when it has one.
func (e outEvent) encode() ([]byte, error) {
	if e.wire != nil {
		return e.wire.encode(e.typ, e.obj, e.rev)
	}
	return proto.Marshal(&pb.WatchEvent{Type: e.typ, Object: e.obj, Revision: e.rev})
}

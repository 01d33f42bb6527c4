package raftstore

import (
	"fmt"

	pb "github.com/drover/drover/proto/droverpb"
	"google.golang.org/protobuf/proto"
)

// marshalOpts makes every stored and replicated byte deterministic.
var marshalOpts = proto.MarshalOptions{Deterministic: true}

// sizedMarshalOpts reuses the size that marshalOpts.Size just computed
// for the same message (applier.marshal sizes, then encodes).
var sizedMarshalOpts = proto.MarshalOptions{Deterministic: true, UseCachedSize: true}

// eventPrevField is pb.Event's prev field number (objects.proto).
const eventPrevField = 3

// EncodeCommand marshals a command deterministically and wraps it in the
// log entry envelope (envelope.go): the data of a Raft log entry.
func EncodeCommand(c *pb.Command) ([]byte, error) {
	entry := make([]byte, envelopeLen, envelopeLen+marshalOpts.Size(c))
	entry, err := sizedMarshalOpts.MarshalAppend(entry, c)
	if err != nil {
		return nil, err
	}
	sealEntry(entry)
	return entry, nil
}

// DecodeCommand unmarshals the data of a Raft log entry, enveloped or
// written before the envelope existed. A checksum mismatch wraps
// ErrCorruptLog, an undecodable command ErrInvalidCommand.
func DecodeCommand(b []byte) (*pb.Command, error) {
	payload, err := openEntry(b)
	if err != nil {
		return nil, err
	}
	return decodePayload(payload)
}

// decodePayload unmarshals an encoded Command (an envelope's payload).
func decodePayload(b []byte) (*pb.Command, error) {
	c := new(pb.Command)
	if err := proto.Unmarshal(b, c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCommand, err)
	}
	return c, nil
}

// decodeObject unmarshals a stored object; stored bytes are written by this
// package, so a failure means a corrupt file and is fatal.
func decodeObject(v []byte) *pb.Object {
	o := new(pb.Object)
	if err := proto.Unmarshal(v, o); err != nil {
		panic(fmt.Sprintf("raftstore: corrupt object record: %v", err))
	}
	return o
}

// decodeEvent unmarshals a stored history event; a failure is fatal.
func decodeEvent(v []byte) *pb.Event {
	e := new(pb.Event)
	if err := proto.Unmarshal(v, e); err != nil {
		panic(fmt.Sprintf("raftstore: corrupt history record: %v", err))
	}
	return e
}

// cloneObject deep-copies an object.
func cloneObject(o *pb.Object) *pb.Object {
	return proto.Clone(o).(*pb.Object)
}

// cloneWithout copies o except the document *field (o's Body or Status),
// which the caller is about to replace: copying a document of up to
// 1.5 MiB only to drop it is the larger part of a clone.
func cloneWithout(o *pb.Object, field *[]byte) *pb.Object {
	saved := *field
	*field = nil
	c := cloneObject(o)
	*field = saved
	return c
}

// storeError is a domain rejection: a Kubernetes-style message that unwraps
// to one of the sentinels in errors.go.
type storeError struct {
	sentinel error
	msg      string
}

func (e *storeError) Error() string { return e.msg }
func (e *storeError) Unwrap() error { return e.sentinel }

// errorf builds a storeError around sentinel.
func errorf(sentinel error, format string, args ...any) error {
	return &storeError{sentinel: sentinel, msg: fmt.Sprintf(format, args...)}
}

// resourceName is the plural resource name used in messages (pods "x").
func resourceName(kind string) string {
	if k, ok := lookupKind(kind); ok {
		return k.Plural
	}
	return kind
}

// notFound is the error for an absent object.
func notFound(kind, name string) error {
	return errorf(ErrNotFound, "%s %q not found", resourceName(kind), name)
}

package raftstore

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
	"google.golang.org/protobuf/proto"
)

// An envelope round-trips, is not itself a decodable Command, and any one
// flipped bit in it (magic, checksum or payload) is reported as corrupt.
func TestEnvelopeDetectsEveryBitFlip(t *testing.T) {
	cmd := &pb.Command{Ops: []*pb.Op{create(obj("Pod", "default", "p", `{"a":1}`))}, Timestamp: 42}
	entry, err := EncodeCommand(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if entry[0] != entryMagic {
		t.Fatalf("first byte %#x", entry[0])
	}
	if got, err := DecodeCommand(entry); err != nil || !proto.Equal(got, cmd) {
		t.Fatalf("round trip: %v %v", got, err)
	}
	if err := proto.Unmarshal(entry, new(pb.Command)); err == nil {
		t.Fatal("an envelope decodes as a bare Command")
	}
	for bit := 0; bit < 8*len(entry); bit++ {
		flipped := bytes.Clone(entry)
		flipped[bit/8] ^= 1 << (bit % 8)
		if _, err := DecodeCommand(flipped); !errors.Is(err, ErrCorruptLog) {
			t.Fatalf("bit %d flipped: %v", bit, err)
		}
	}
	if _, err := DecodeCommand(entry[:3]); !errors.Is(err, ErrCorruptLog) {
		t.Fatalf("short envelope: %v", err)
	}
}

// Entries written before the envelope (a bare Command, or nothing for an
// empty one) still decode.
func TestLegacyEntryDecodes(t *testing.T) {
	cmd := &pb.Command{Ops: []*pb.Op{create(nsObj("default"))}, Timestamp: 7}
	bare, err := marshalOpts.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := DecodeCommand(bare); err != nil || !proto.Equal(got, cmd) {
		t.Fatalf("legacy entry: %v %v", got, err)
	}
	if got, err := DecodeCommand(nil); err != nil || !proto.Equal(got, &pb.Command{}) {
		t.Fatalf("empty legacy entry: %v %v", got, err)
	}
}

// legacyEntry is a command entry as written before the envelope.
func legacyEntry(t testing.TB, index uint64, cmd *pb.Command) *raft.Log {
	b, err := marshalOpts.Marshal(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return &raft.Log{Index: index, Term: 1, Type: raft.LogCommand, Data: b}
}

// A log of legacy entries, and one that mixes them with envelopes, apply to
// the same state as enveloped entries (apart from the hash chain, which
// hashes the entry data as written).
func TestLegacyEntriesApply(t *testing.T) {
	cmds := []*pb.Command{
		{Ops: []*pb.Op{create(nsObj("default"))}, Timestamp: 1},
		{Ops: []*pb.Op{create(obj("Pod", "default", "a", `{"x":1}`))}, Timestamp: 2},
		{},
		{Ops: []*pb.Op{update(obj("Pod", "default", "a", `{"x":2}`)), del("Pod", "default", "a")}, Timestamp: 3},
	}
	feed := func(encode func(i int) func(testing.TB, uint64, *pb.Command) *raft.Log) []string {
		s := newStore(t)
		var logs []*raft.Log
		for i, c := range cmds {
			logs = append(logs, encode(i)(t, uint64(i+1), c))
		}
		s.ApplyBatch(logs)
		if s.AppliedIndex() != uint64(len(cmds)) {
			t.Fatalf("applied %d", s.AppliedIndex())
		}
		var out []string
		for _, line := range dump(t, s.FSM) {
			if !strings.HasPrefix(line, "meta 636861696e ") { // meta/chain
				out = append(out, line)
			}
		}
		return out
	}
	enveloped := feed(func(int) func(testing.TB, uint64, *pb.Command) *raft.Log { return logEntry })
	legacy := feed(func(int) func(testing.TB, uint64, *pb.Command) *raft.Log { return legacyEntry })
	mixed := feed(func(i int) func(testing.TB, uint64, *pb.Command) *raft.Log {
		if i%2 == 0 {
			return legacyEntry
		}
		return logEntry
	})
	sameDump(t, enveloped, legacy)
	sameDump(t, enveloped, mixed)
}

// An entry whose checksum does not match stops the FSM before the batch
// writes anything, with an error that names the index; the state, applied
// index and hash chain are those from before the batch.
func TestFSMRefusesCorruptEntry(t *testing.T) {
	s := newStore(t)
	var logged bytes.Buffer
	s.log = slog.New(slog.NewTextHandler(&logged, nil))
	s.ok(create(nsObj("default")))
	before, beforeIndex := dump(t, s.FSM), s.AppliedIndex()
	_, beforeChain := s.HashChain()

	good := logEntry(t, s.next, &pb.Command{Ops: []*pb.Op{create(obj("Pod", "default", "good", `{}`))}, Timestamp: 5})
	bad := logEntry(t, s.next+1, &pb.Command{Ops: []*pb.Op{create(obj("Pod", "default", "bad", `{"v":"abc"}`))}, Timestamp: 6})
	bad.Data[bytes.Index(bad.Data, []byte("abc"))] ^= 0x04 // "abc" -> "ebc"
	err := applyPanics(t, s, []*raft.Log{good, bad})
	if !errors.Is(err, ErrCorruptLog) || !strings.Contains(err.Error(), "corrupt at index 3") ||
		!strings.Contains(err.Error(), s.path) || !strings.Contains(err.Error(), "move the data dir aside") {
		t.Fatalf("panic: %v", err)
	}
	if !strings.Contains(logged.String(), "index=3") {
		t.Fatalf("log: %s", logged.String())
	}
	sameDump(t, before, dump(t, s.FSM))
	if _, chain := s.HashChain(); s.AppliedIndex() != beforeIndex || chain != beforeChain {
		t.Fatalf("applied %d chain %x after the corrupt batch", s.AppliedIndex(), chain)
	}
	// The FSM holds no transaction open: the good entry alone still applies.
	s.ApplyBatch([]*raft.Log{good})
	if s.AppliedIndex() != good.Index {
		t.Fatalf("applied %d", s.AppliedIndex())
	}
}

// applyPanics applies logs and returns the error ApplyBatch panicked with.
func applyPanics(t *testing.T, s *testStore, logs []*raft.Log) (err error) {
	t.Helper()
	defer func() {
		p := recover()
		if p == nil {
			t.Fatal("ApplyBatch did not stop at the corrupt entry")
		}
		var ok bool
		if err, ok = p.(error); !ok {
			t.Fatalf("panic value %v", p)
		}
	}()
	s.ApplyBatch(logs)
	return nil
}

package raftstore

import (
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
)

// Configuration entries advance the applied index without changing the
// chain; HashAt answers for any index the FSM has passed since the oldest
// point it keeps, and not beyond the applied index.
func TestHashChainConfigurationAndRing(t *testing.T) {
	s := newStore(t)
	s.ok(create(nsObj("default")))
	_, h1 := s.HashChain()
	s.ApplyBatch(configEntries(2))
	s.next = 3
	if index, h := s.HashChain(); index != 2 || h != h1 {
		t.Fatalf("after a configuration entry: %d %x, want 2 %x", index, h, h1)
	}
	if h, ok := s.HashAt(2); !ok || h != h1 {
		t.Fatalf("HashAt(2): %x %v", h, ok)
	}
	if _, ok := s.HashAt(3); ok {
		t.Fatal("HashAt answered beyond the applied index")
	}
	if h, ok := s.HashAt(0); !ok || h != ([32]byte{}) {
		t.Fatalf("HashAt(0) of a fresh FSM: %x %v", h, ok)
	}

	var logs []*raft.Log
	for i := 0; i < chainRingSize+10; i++ {
		logs = append(logs, logEntry(t, s.next, &pb.Command{Timestamp: int64(i)}))
		s.next++
	}
	s.ApplyBatch(logs[:500])
	s.ApplyBatch(logs[500:])
	last := logs[len(logs)-1].Index
	oldest := last - chainRingSize + 1
	if _, ok := s.HashAt(oldest - 1); ok {
		t.Fatalf("HashAt(%d) answered beyond the ring", oldest-1)
	}
	want := chainOf(append([]*raft.Log{logEntry(t, 1, &pb.Command{Ops: []*pb.Op{create(nsObj("default"))}, Timestamp: 1001})},
		append(configEntries(2), logs...)...))
	for i := oldest; i <= last; i++ {
		if h, ok := s.HashAt(i); !ok || h != want[i] {
			t.Fatalf("HashAt(%d): %x %v, want %x", i, h, ok, want[i])
		}
	}
	if index, h := s.HashChain(); index != last || h != want[last] {
		t.Fatalf("HashChain: %d %x", index, h)
	}
}

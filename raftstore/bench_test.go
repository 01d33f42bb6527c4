package raftstore

import (
	"fmt"
	"path/filepath"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
)

// BenchmarkApplyBatch measures creates applied 64 entries per batch, the
// shape hashicorp/raft delivers under load, without and with a request id on
// every op.
func BenchmarkApplyBatch(b *testing.B) {
	b.Run("plain", func(b *testing.B) { benchApplyBatch(b, false) })
	b.Run("requestID", func(b *testing.B) { benchApplyBatch(b, true) })
}

func benchApplyBatch(b *testing.B, withID bool) {
	f, err := OpenFSM(FSMConfig{Path: filepath.Join(b.TempDir(), "fsm.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	f.ApplyBatch([]*raft.Log{logEntry(b, 1, &pb.Command{Ops: []*pb.Op{create(nsObj("default"))}})})
	const batch = 64
	logs := make([]*raft.Log, batch)
	index := uint64(2)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		for j := range logs {
			o := obj("Pod", "default", fmt.Sprintf("pod-%d", index), `{"containers":[{"name":"c","image":"busybox"}]}`)
			op := create(o)
			if withID {
				op.RequestId = fmt.Sprintf("%032x", index*0x9e3779b97f4a7c15)
			}
			logs[j] = logEntry(b, index, &pb.Command{Ops: []*pb.Op{op}, Timestamp: int64(index)})
			index++
		}
		f.ApplyBatch(logs)
	}
}

// BenchmarkHashChainAdd measures the hash chain's cost per command entry,
// for an entry the size of BenchmarkApplyBatch's creates.
func BenchmarkHashChainAdd(b *testing.B) {
	o := obj("Pod", "default", "pod-12345", `{"containers":[{"name":"c","image":"busybox"}]}`)
	data := logEntry(b, 1, &pb.Command{Ops: []*pb.Op{create(o)}, Timestamp: 12345}).Data
	c := newHashChain()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%64 == 0 {
			c.pending = c.pending[:0]
		}
		c.add(uint64(i), data)
	}
}

package raftstore

import (
	"fmt"
	"path/filepath"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
)

// BenchmarkApplyBatch measures creates applied 64 entries per batch, the
// shape hashicorp/raft delivers under load.
func BenchmarkApplyBatch(b *testing.B) {
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
			logs[j] = logEntry(b, index, &pb.Command{Ops: []*pb.Op{create(o)}, Timestamp: int64(index)})
			index++
		}
		f.ApplyBatch(logs)
	}
}

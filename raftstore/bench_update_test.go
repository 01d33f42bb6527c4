package raftstore

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/raft"

	pb "github.com/drover/drover/proto/droverpb"
)

// BenchmarkApplyUpdates measures the FSM applying entries of 28 updates of
// 1 KiB ConfigMaps with resourceVersion preconditions and request ids, as
// `drover bench --op update --concurrency 64` proposes them (28 updates
// per entry on average, measured).
func BenchmarkApplyUpdates(b *testing.B) {
	f, err := OpenFSM(FSMConfig{Path: filepath.Join(b.TempDir(), "fsm.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	const objects, perEntry = 64, 28
	body := `{"data":{"v":"` + strings.Repeat("a", 1024) + `"}}`
	ops := []*pb.Op{create(nsObj("default"))}
	for i := range objects {
		ops = append(ops, create(obj("ConfigMap", "default", fmt.Sprintf("cm-%d", i), body)))
	}
	f.ApplyBatch([]*raft.Log{logEntry(b, 1, &pb.Command{Ops: ops})})
	rv := make([]uint64, objects)
	for i := range rv {
		rv[i] = 1
	}
	index, next := uint64(2), 0
	st := f.db.Stats()
	before := st.TxStats.GetWrite()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n += perEntry {
		cmd := &pb.Command{Timestamp: int64(index)}
		for range perEntry {
			o := obj("ConfigMap", "default", fmt.Sprintf("cm-%d", next), body)
			o.Metadata.ResourceVersion = rv[next]
			op := update(o)
			op.RequestId = fmt.Sprintf("%032x", (index*1000+uint64(next))*0x9e3779b97f4a7c15)
			cmd.Ops = append(cmd.Ops, op)
			rv[next] = index
			next = (next + 1) % objects
		}
		res := f.ApplyBatch([]*raft.Log{logEntry(b, index, cmd)})
		for _, r := range res[0].(*ApplyResult).Results {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
		index++
	}
	after := f.db.Stats()
	b.ReportMetric(float64(after.TxStats.GetWrite()-before)/float64(index-2), "pages/entry")
}

package raftstore

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
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

// BenchmarkEncodeCommand measures encoding one create into a log entry
// (protobuf and envelope), the proposer's part of the write path.
func BenchmarkEncodeCommand(b *testing.B) {
	o := obj("Pod", "default", "pod-12345", `{"containers":[{"name":"c","image":"busybox"}]}`)
	cmd := &pb.Command{Ops: []*pb.Op{create(o)}, Timestamp: 12345}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := EncodeCommand(cmd); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckLog measures the startup scan of a Raft log of 10,000
// command entries, each a create of a 1 KiB object (one op = one scan).
func BenchmarkCheckLog(b *testing.B) {
	dir := b.TempDir()
	f, err := openRaftFiles(dir, slog.New(slog.DiscardHandler), 0)
	if err != nil {
		b.Fatal(err)
	}
	const entries = 10000
	body := fmt.Sprintf(`{"data":{"k":%q}}`, strings.Repeat("x", 1000))
	var logs []*raft.Log
	for i := uint64(1); i <= entries; i++ {
		logs = append(logs, logEntry(b, i, &pb.Command{Ops: []*pb.Op{create(obj("ConfigMap", "default", fmt.Sprintf("cm-%d", i), body))}}))
		if len(logs) == 64 || i == entries {
			must(f.logs.StoreLogs(logs))
			logs = logs[:0]
		}
	}
	must(f.close())
	if f, err = openRaftFiles(dir, slog.New(slog.DiscardHandler), 0); err != nil {
		b.Fatal(err)
	}
	defer f.close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if n, _, err := checkLog(f.logs, filepath.Join(dir, "wal"), logState{}); err != nil || n != entries {
			b.Fatalf("%d entries: %v", n, err)
		}
	}
}

// BenchmarkCompact measures one COMPACT op that drops 10,000 events of 1 KiB
// objects, each created with a request id: the work a follower's apply loop
// stalls on while it runs.
func BenchmarkCompact(b *testing.B) {
	const events = 10000
	body := `{"data":"` + strings.Repeat("x", 1000) + `"}`
	for range b.N {
		b.StopTimer()
		f, err := OpenFSM(FSMConfig{Path: filepath.Join(b.TempDir(), "fsm.db")})
		if err != nil {
			b.Fatal(err)
		}
		logs := []*raft.Log{logEntry(b, 1, &pb.Command{Ops: []*pb.Op{create(nsObj("default"))}})}
		for i := uint64(2); i < events+2; i++ {
			op := create(obj("ConfigMap", "default", fmt.Sprintf("cm-%d", i), body))
			op.RequestId = fmt.Sprintf("%032x", i*0x9e3779b97f4a7c15)
			logs = append(logs, logEntry(b, i, &pb.Command{Ops: []*pb.Op{op}, Timestamp: int64(i)}))
		}
		f.ApplyBatch(logs)
		last := logEntry(b, events+2, &pb.Command{Ops: []*pb.Op{compact(events + 1)}})
		b.StartTimer()
		f.ApplyBatch([]*raft.Log{last})
		b.StopTimer()
		f.Close()
	}
}

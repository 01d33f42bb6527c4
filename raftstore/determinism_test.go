package raftstore

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
	"google.golang.org/protobuf/proto"
)

// genLog generates a command log with a reference store, so that updates
// mostly carry the right resourceVersion and sometimes a stale one. Some ops
// carry a request id, and some are retries: an earlier op with its id, sent
// again (remembered, or already forgotten by the window).
func genLog(t *testing.T, n int, seed int64) ([]*raft.Log, map[string]int) {
	rng := rand.New(rand.NewSource(seed))
	ref := newStore(t)
	stats := map[string]int{}
	var logs []*raft.Log
	var sent []*pb.Op // ops with a request id, in order
	namespaces := []string{"a", "b", "c"}
	for i := 0; i < n; i++ {
		cmd := &pb.Command{Timestamp: int64(1_000_000 + i*1000)}
		for j := rng.Intn(3) + 1; j > 0; j-- {
			if len(sent) > 0 && rng.Intn(8) == 0 {
				back := min(len(sent), 1+rng.Intn(120))
				op := proto.Clone(sent[len(sent)-back]).(*pb.Op)
				if _, ok := ref.RequestOutcome(op.RequestId); ok {
					stats["retry of a remembered id"]++
				} else {
					stats["retry of a forgotten id"]++
				}
				cmd.Ops = append(cmd.Ops, op)
				continue
			}
			op := genOp(ref, rng, namespaces, i)
			if rng.Intn(3) == 0 {
				op.RequestId = fmt.Sprintf("req-%d-%d", i, j)
				sent = append(sent, op)
			}
			cmd.Ops = append(cmd.Ops, op)
		}
		l := logEntry(t, ref.next, cmd)
		for _, r := range ref.ApplyBatch([]*raft.Log{l})[0].(*ApplyResult).Results {
			if r.Err != nil {
				stats[errors.Unwrap(r.Err).Error()]++
			} else {
				stats["ok"]++
			}
		}
		ref.next++
		logs = append(logs, l)
	}
	return logs, stats
}

func genOp(ref *testStore, rng *rand.Rand, namespaces []string, i int) *pb.Op {
	ns := namespaces[rng.Intn(len(namespaces))]
	kind := []string{"Pod", "ConfigMap"}[rng.Intn(2)]
	name := fmt.Sprintf("o%d", rng.Intn(6))
	if op := releaseTerminating(ref, ns, kind); op != nil && rng.Intn(2) == 0 {
		return op
	}
	o := obj(kind, ns, name, fmt.Sprintf(`{"v":%d}`, rng.Intn(3)))
	if rng.Intn(4) == 0 {
		o.Metadata.Finalizers = []string{"f"}
	}
	cur, err := ref.Get(kind, ns, name)
	if err != nil && rng.Intn(10) > 0 {
		if _, err := ref.Get("Namespace", "", ns); err != nil {
			return create(nsObj(ns))
		}
		return create(o)
	}
	if err == nil {
		o.Metadata.ResourceVersion = cur.Metadata.ResourceVersion
		if rng.Intn(5) == 0 {
			o.Metadata.ResourceVersion-- // stale: conflict
		}
	}
	switch p := rng.Intn(100); {
	case p < 8:
		return create(nsObj(ns))
	case p < 11:
		return del("Namespace", "", ns)
	case p < 40:
		o.Metadata.ResourceVersion = 0
		return create(o)
	case p < 65:
		return update(o)
	case p < 78:
		o.Status = []byte(fmt.Sprintf(`{"n":%d}`, i))
		return status(o)
	case p < 95:
		return del(kind, ns, name)
	default:
		return compact(uint64(rng.Intn(i + 1)))
	}
}

func TestDeterminism(t *testing.T) {
	// Ids are forgotten by the log's COMPACT ops.
	logs, stats := genLog(t, 600, 7)
	t.Logf("op outcomes: %v", stats)
	if stats["ok"] < 300 || len(stats) < 5 {
		t.Fatalf("generated log is not varied enough: %v", stats)
	}
	one := newStore(t)
	for _, l := range logs {
		one.ApplyBatch([]*raft.Log{l})
	}
	batched := newStore(t)
	rng := rand.New(rand.NewSource(99))
	for i := 0; i < len(logs); {
		n := min(rng.Intn(64)+1, len(logs)-i)
		batched.ApplyBatch(logs[i : i+n])
		i += n
	}
	a, b := dump(t, one.FSM), dump(t, batched.FSM)
	sameDump(t, a, b)
	if summary(one.pub.events) != summary(batched.pub.events) {
		t.Fatal("published events differ")
	}
	if !strings.Contains(summary(one.pub.events), "DELETED Namespace") {
		t.Fatal("generated log never removed a namespace")
	}
	if n := len(remembered(t, one)); n == 0 {
		t.Fatal("no request ids remembered")
	}
	sameDump(t, []string{fmt.Sprint(remembered(t, one))}, []string{fmt.Sprint(remembered(t, batched))})
	if stats["retry of a remembered id"] < 20 || stats["retry of a forgotten id"] < 20 {
		t.Fatalf("retries do not cover the window: %v", stats)
	}
	if len(a) < 50 {
		t.Fatalf("state too small to be meaningful: %d records", len(a))
	}
}

// releaseTerminating returns an update removing the finalizers of an object
// that holds up a terminating namespace, or nil.
func releaseTerminating(ref *testStore, ns, kind string) *pb.Op {
	nsCur, err := ref.Get("Namespace", "", ns)
	if err != nil || nsCur.Metadata.DeletionTimestamp == 0 {
		return nil
	}
	res, err := ref.List(ListOptions{Kind: kind, Namespace: ns, Limit: 1})
	if err != nil || len(res.Items) == 0 {
		return nil
	}
	o := res.Items[0]
	o.Metadata.Finalizers = nil
	return update(o)
}

// chainOf computes the hash chain of logs independently of the FSM:
// SHA-256(previous ‖ index, 8 bytes big-endian ‖ data) per command entry.
func chainOf(logs []*raft.Log) map[uint64][32]byte {
	out := map[uint64][32]byte{}
	var cur [32]byte
	for _, l := range logs {
		if l.Type == raft.LogCommand {
			b := append(append(cur[:], binary.BigEndian.AppendUint64(nil, l.Index)...), l.Data...)
			cur = sha256.Sum256(b)
		}
		out[l.Index] = cur
	}
	return out
}

// Two stores fed the same log, one entry at a time and in random batches,
// hold the same hash chain at every index, the one computed from the log.
func TestHashChainDeterminism(t *testing.T) {
	logs, _ := genLog(t, 600, 11)
	want := chainOf(logs)
	one := newStore(t)
	for _, l := range logs {
		one.ApplyBatch([]*raft.Log{l})
		if index, h := one.HashChain(); index != l.Index || h != want[l.Index] {
			t.Fatalf("entry %d: chain at %d is %x, want %x", l.Index, index, h, want[l.Index])
		}
	}
	batched := newStore(t)
	rng := rand.New(rand.NewSource(5))
	for i := 0; i < len(logs); {
		n := min(rng.Intn(64)+1, len(logs)-i)
		batched.ApplyBatch(logs[i : i+n])
		i += n
	}
	for _, l := range logs {
		a, okA := one.HashAt(l.Index)
		b, okB := batched.HashAt(l.Index)
		if !okA || !okB || a != want[l.Index] || b != want[l.Index] {
			t.Fatalf("HashAt(%d): %x %v and %x %v, want %x", l.Index, a, okA, b, okB, want[l.Index])
		}
	}
	sameDump(t, dump(t, one.FSM), dump(t, batched.FSM))
}

// One differing command changes the chain from its index on.
func TestHashChainDiffers(t *testing.T) {
	logs, _ := genLog(t, 50, 3)
	other := make([]*raft.Log, len(logs))
	copy(other, logs)
	cmd, err := DecodeCommand(logs[20].Data)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Timestamp++
	changed := logEntry(t, logs[20].Index, cmd)
	other[20] = changed
	a, b := newStore(t), newStore(t)
	a.ApplyBatch(logs)
	b.ApplyBatch(other)
	for _, l := range logs {
		ha, _ := a.HashAt(l.Index)
		hb, _ := b.HashAt(l.Index)
		if (ha == hb) != (l.Index < changed.Index) {
			t.Fatalf("index %d (changed %d): %x vs %x", l.Index, changed.Index, ha, hb)
		}
	}
}

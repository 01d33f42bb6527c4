package raftstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "github.com/drover/drover/proto/droverpb"
	"github.com/hashicorp/raft"
)

// nodeDir is a single-node store's data dir, laid out as a node's.
type nodeDir struct {
	t        *testing.T
	dir      string
	segBytes int
}

func (d nodeDir) raftDir() string { return filepath.Join(d.dir, "raft") }
func (d nodeDir) walDir() string  { return filepath.Join(d.raftDir(), "wal") }

// open starts the node's FSM and Raft, or returns OpenStore's error.
func (d nodeDir) open() (*Store, error) {
	d.t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	must(os.MkdirAll(filepath.Join(d.dir, "fsm"), 0o700))
	fsm, err := OpenFSM(FSMConfig{Path: filepath.Join(d.dir, "fsm", "state.db"), Logger: logger})
	if err != nil {
		d.t.Fatal(err)
	}
	cfg := DefaultRaftConfig()
	cfg.ID, cfg.Dir, cfg.BindAddr, cfg.Logger, cfg.LogSegmentBytes = "n1", d.raftDir(), "127.0.0.1:0", logger, d.segBytes
	s, err := OpenStore(cfg, fsm)
	if err != nil {
		fsm.Close()
		return nil, err
	}
	return s, nil
}

// close stops Raft and closes the FSM cleanly.
func (d nodeDir) close(s *Store) {
	d.t.Helper()
	must(s.Shutdown())
	must(s.FSM().Close())
}

// lead waits until s leads its single-node cluster and has established it.
func (d nodeDir) lead(s *Store) {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.Raft().State() != raft.Leader || s.Establish(time.Second) != nil {
		if time.Now().After(deadline) {
			d.t.Fatal("no leader")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fill proposes n creates, each one entry carrying the unique body value
// "value-<i>-unique", and returns the index of each.
func (d nodeDir) fill(s *Store, n int) []uint64 {
	d.t.Helper()
	d.lead(s)
	if _, _, err := s.Propose(context.Background(), &pb.Command{Ops: []*pb.Op{create(nsObj("default"))}}); err != nil {
		d.t.Fatal(err)
	}
	var indexes []uint64
	for i := 0; i < n; i++ {
		o := obj("ConfigMap", "default", fmt.Sprintf("cm-%d", i), fmt.Sprintf(`{"data":{"k":"value-%d-unique"}}`, i))
		res, index, err := s.Propose(context.Background(), &pb.Command{Ops: []*pb.Op{create(o)}, Timestamp: int64(i)})
		if err != nil || res[0].Err != nil {
			d.t.Fatalf("propose %d: %v %v", i, err, res)
		}
		indexes = append(indexes, index)
	}
	return indexes
}

// find returns the segment file and offset holding needle, exactly once
// in the whole log.
func (d nodeDir) find(needle string) (string, int) {
	d.t.Helper()
	files, err := filepath.Glob(filepath.Join(d.walDir(), "*.wal"))
	must(err)
	var file string
	off := -1
	for _, f := range files {
		b, err := os.ReadFile(f)
		must(err)
		if i := bytes.Index(b, []byte(needle)); i >= 0 {
			if off >= 0 || bytes.Count(b, []byte(needle)) != 1 {
				d.t.Fatalf("%q found more than once", needle)
			}
			file, off = f, i
		}
	}
	if off < 0 {
		d.t.Fatalf("%q not found in %s", needle, d.walDir())
	}
	return file, off
}

// wantRefusal checks that opening fails with a corrupt-log error naming
// index, file and the remedy.
func (d nodeDir) wantRefusal(index uint64, file string) {
	d.t.Helper()
	s, err := d.open()
	if err == nil {
		d.close(s)
		d.t.Fatal("the node started on a corrupt Raft log")
	}
	msg := err.Error()
	if !errors.Is(err, ErrCorruptLog) || !strings.Contains(msg, fmt.Sprintf("corrupt at index %d ", index)) ||
		!strings.Contains(msg, file) || !strings.Contains(msg, "move the data dir aside") {
		d.t.Fatalf("error %q: want ErrCorruptLog at index %d in %s with the remedy", msg, index, file)
	}
	d.t.Log(msg)
}

// One flipped bit inside a command of a stopped node's Raft log segment:
// the node refuses to start and names the entry, the file and the remedy.
func TestStartRefusesFlippedBitInLog(t *testing.T) {
	d := nodeDir{t: t, dir: t.TempDir()}
	s, err := d.open()
	must(err)
	indexes := d.fill(s, 20)
	d.close(s)

	s, err = d.open() // an intact log reopens
	if err != nil {
		t.Fatalf("reopen of an intact log: %v", err)
	}
	d.close(s)

	file, off := d.find("value-7-unique")
	b, err := os.ReadFile(file)
	must(err)
	b[off+len("value-")] ^= 0x01 // "7" -> "6": still valid protobuf and JSON
	must(os.WriteFile(file, b, 0o600))
	d.wantRefusal(indexes[7], file)
}

// A segment cut short on a stopped node: raft-wal takes the torn tail for
// an unfinished write and drops it, so the log ends before entries the FSM
// had applied; the node refuses to start instead of voting and serving
// with those entries missing from its log.
func TestStartRefusesTruncatedTailSegment(t *testing.T) {
	d := nodeDir{t: t, dir: t.TempDir()}
	s, err := d.open()
	must(err)
	indexes := d.fill(s, 20)
	d.close(s)

	file, off := d.find("value-17-unique")
	must(os.Truncate(file, int64(off)))
	d.wantRefusal(indexes[17], d.walDir())
}

// A sealed segment cut short: raft-wal reads its index from the end of the
// file, which is gone, so the entries cannot be read back.
func TestStartRefusesTruncatedSealedSegment(t *testing.T) {
	d := nodeDir{t: t, dir: t.TempDir(), segBytes: 4 << 10}
	s, err := d.open()
	must(err)
	indexes := d.fill(s, 100)
	d.close(s)

	files, err := filepath.Glob(filepath.Join(d.walDir(), "*.wal"))
	must(err)
	if len(files) < 3 {
		t.Fatalf("%d segments, want sealed ones", len(files))
	}
	file, off := d.find("value-5-unique")
	if file == files[len(files)-1] {
		t.Fatal("value-5 is in the open segment")
	}
	must(os.Truncate(file, int64(off)))
	s, err = d.open()
	if err == nil {
		d.close(s)
		t.Fatal("the node started with a truncated sealed segment")
	}
	if !errors.Is(err, ErrCorruptLog) || !strings.Contains(err.Error(), "move the data dir aside") {
		t.Fatalf("error: %v", err)
	}
	t.Log(err, indexes[5])
}

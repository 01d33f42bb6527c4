package raftstore

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/raft"
	"go.etcd.io/bbolt"

	pb "github.com/drover/drover/proto/droverpb"
)

// growthChildEnv holds the killed child's database path; set only in it.
const growthChildEnv = "RAFTSTORE_GROWTH_CHILD"

// growthEntries × growthOpsPerEntry objects of growthObjectBytes: with
// their history events about 50 MiB, so the file grows past bbolt's 16 MiB
// allocation step several times.
const (
	growthEntries     = 50
	growthOpsPerEntry = 10
	growthObjectBytes = 48 << 10
)

// With the FSM unsynced, bbolt grows its file without fsync (NoGrowSync).
// A process killed by SIGKILL after the file grew several times leaves a
// file that opens as trusted, passes bbolt's consistency check and holds
// every applied object: the page cache kept the page writes that grew it.
func TestKilledAfterGrowthKeepsState(t *testing.T) {
	boot := "boot-1"
	withBootID(t, &boot)
	if path := os.Getenv(growthChildEnv); path != "" {
		growAndDie(t, path)
		return
	}
	path := filepath.Join(t.TempDir(), "fsm.db")
	cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), growthChildEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want death by SIGKILL\n%s", err, out)
	}
	s := openStore(t, path)
	if s.NeedsRebuild() || s.AppliedIndex() != growthEntries+1 {
		t.Fatalf("after the kill: rebuild %v, applied %d, want %d", s.NeedsRebuild(), s.AppliedIndex(), growthEntries+1)
	}
	checkBolt(t, s.FSM)
	for e := range growthEntries {
		for i := range growthOpsPerEntry {
			o, err := s.Get("ConfigMap", "default", growthName(e, i))
			if err != nil || len(o.GetBody()) != growthObjectBytes+len(`{"v":""}`) {
				t.Fatalf("%s after the kill: %v (body %d bytes)", growthName(e, i), err, len(o.GetBody()))
			}
		}
	}
}

// growAndDie applies the growth entries to a store at path, checks that
// the file grew past 3 allocation steps, and kills its own process.
func growAndDie(t *testing.T, path string) {
	s := openStore(t, path)
	if !s.db.NoGrowSync {
		t.Fatal("an unsynced FSM syncs on file growth")
	}
	s.ApplyBatch([]*raft.Log{logEntry(t, 1, &pb.Command{Ops: []*pb.Op{create(nsObj("default"))}, Timestamp: 42})})
	body := `{"v":"` + strings.Repeat("x", growthObjectBytes) + `"}`
	for e := range growthEntries {
		ops := make([]*pb.Op, growthOpsPerEntry)
		for i := range ops {
			ops[i] = create(obj("ConfigMap", "default", growthName(e, i), body))
		}
		s.ApplyBatch([]*raft.Log{logEntry(t, uint64(e+2), &pb.Command{Ops: ops, Timestamp: 42})})
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() < 3*int64(s.db.AllocSize) {
		t.Fatalf("file did not grow past 3 allocation steps: %v %v", fi, err)
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

func growthName(entry, i int) string { return fmt.Sprintf("cm-%d-%d", entry, i) }

// checkBolt runs bbolt's consistency check over the whole file.
func checkBolt(t *testing.T, f *FSM) {
	t.Helper()
	err := f.view(func(tx *bbolt.Tx) error {
		for err := range tx.Check() {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatalf("bbolt check: %v", err)
	}
}

//go:build failpoints

package failpoint

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// reset turns every point off when the test ends.
func reset(t *testing.T) {
	t.Cleanup(func() {
		for _, name := range Points() {
			if err := Set(name, "off"); err != nil {
				t.Error(err)
			}
		}
	})
}

func state(t *testing.T, name string) Point {
	t.Helper()
	for _, p := range List() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("%s not listed", name)
	return Point{}
}

func TestErrorCountAndOff(t *testing.T) {
	reset(t)
	if !Enabled {
		t.Fatal("Enabled is false with the failpoints tag")
	}
	if err := Inject(NATSPublishBefore); err != nil {
		t.Fatalf("off point: %v", err)
	}
	fired := state(t, NATSPublishBefore).Fired
	if err := Set(NATSPublishBefore, "2*error"); err != nil {
		t.Fatal(err)
	}
	if p := state(t, NATSPublishBefore); p.Action != "2*error" {
		t.Fatalf("listed as %+v", p)
	}
	for i := 0; i < 2; i++ {
		if err := Inject(NATSPublishBefore); !errors.Is(err, ErrInjected) || !strings.Contains(err.Error(), NATSPublishBefore) {
			t.Fatalf("hit %d: %v", i, err)
		}
	}
	if err := Inject(NATSPublishBefore); err != nil {
		t.Fatalf("third hit of 2*error: %v", err)
	}
	if p := state(t, NATSPublishBefore); p.Action != "off" || p.Fired != fired+2 {
		t.Fatalf("after the count: %+v", p)
	}
	if err := Set(FsyncSlow, "error"); err != nil {
		t.Fatal(err)
	}
	if err := Inject(NATSPublishBefore); err != nil {
		t.Fatalf("another point fired: %v", err)
	}
	if err := Set(FsyncSlow, "off"); err != nil || Inject(FsyncSlow) != nil {
		t.Fatalf("off: %v", err)
	}
}

func TestSetRefuses(t *testing.T) {
	reset(t)
	if err := Set("no-such-point", "exit"); !errors.Is(err, ErrUnknownPoint) {
		t.Fatalf("unknown point: %v", err)
	}
	if err := Set(FSMCommitAfter, "error"); err == nil {
		t.Fatal("error armed at a point that cannot fail")
	}
	if err := Set(FSMCommitAfter, "sleep(soon)"); err == nil {
		t.Fatal("malformed action armed")
	}
	if p := state(t, FSMCommitAfter); p.Action != "off" {
		t.Fatalf("a refused Set armed %+v", p)
	}
}

func TestSleep(t *testing.T) {
	reset(t)
	if err := Set(FsyncSlow, "1*sleep(50ms)"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := Inject(FsyncSlow); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Fatalf("slept %v", d)
	}
	start = time.Now()
	Inject(FsyncSlow)
	if d := time.Since(start); d > 40*time.Millisecond {
		t.Fatalf("slept %v after the count ran out", d)
	}
}

func TestProbability(t *testing.T) {
	reset(t)
	if err := Set(SnapshotPersist, "50%error"); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for i := 0; i < 1000; i++ {
		if Inject(SnapshotPersist) != nil {
			failed++
		}
	}
	if failed < 350 || failed > 650 { // ~10 standard deviations
		t.Fatalf("50%% fired %d of 1000", failed)
	}
}

func TestPanic(t *testing.T) {
	reset(t)
	if err := Set(SnapshotRestore, "panic"); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), SnapshotRestore) {
			t.Fatalf("recovered %v", r)
		}
	}()
	Inject(SnapshotRestore)
	t.Fatal("no panic")
}

func TestSetFromEnv(t *testing.T) {
	reset(t)
	t.Setenv(EnvVar, RaftLogAppendAfter+"=error; "+RaftLogAppendBefore+"=1*error")
	if err := SetFromEnv(); err != nil {
		t.Fatal(err)
	}
	if Inject(RaftLogAppendAfter) == nil || Inject(RaftLogAppendBefore) == nil {
		t.Fatal("not armed from the environment")
	}
	t.Setenv(EnvVar, FsyncSlow+"=error;"+FSMCommitAfter+"=error")
	if err := SetFromEnv(); err == nil {
		t.Fatal("invalid setting accepted")
	}
	if state(t, FsyncSlow).Action != "off" {
		t.Fatal("a setting was applied although another was invalid")
	}
}

// childEnv marks the re-executed test binary as the child of TestExit.
const childEnv = "FAILPOINT_TEST_EXIT_CHILD"

// exit ends the process at once with ExitCode: the test binary runs
// itself with the point armed through EnvVar.
func TestExit(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		if err := SetFromEnv(); err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(os.Getenv(childEnv), []byte("deferred call ran"), 0o600)
		Inject(FSMCommitAfter)
		t.Fatal("still running after exit")
	}
	marker := t.TempDir() + "/deferred"
	cmd := exec.Command(os.Args[0], "-test.run=^TestExit$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+marker, EnvVar+"="+FSMCommitAfter+"=exit")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != ExitCode {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "failpoint "+FSMCommitAfter+": exit") {
		t.Fatalf("child output: %s", out)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a deferred call ran")
	}
}

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/cluster-test/harness"
	"github.com/drover/drover/cluster-test/netns"
)

// The short chaos run of the README's test command: 3 real nodes in network
// namespaces, the baseline and two fault scenarios, every property checked.
// The full matrix is `go run ./cluster-test matrix`.

// ciTraffic is how long traffic runs in each CI scenario.
const ciTraffic = 25 * time.Second

func TestChaosShort(t *testing.T) {
	bin := chaosPrereqs(t, "")
	for _, num := range []int{1, 2, 5} {
		sc, err := harness.ScenarioByNum(num)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(sc.Name, func(t *testing.T) {
			rep := runChaos(t, bin, sc, ciTraffic)
			if !rep.Passed {
				t.Fatalf("scenario %d failed: %s", num, rep.Summary())
			}
		})
	}
}

// The harness must be able to fail: a drover built with a planted bug
// (followers answer consistent reads from their own state) is caught by the
// linearizability checker while a follower is cut off.
func TestChaosCatchesPlantedStaleReads(t *testing.T) {
	bin := chaosPrereqs(t, "chaosbug_stale_read")
	sc, err := harness.NemesisScenario([]string{"isolate-follower"})
	if err != nil {
		t.Fatal(err)
	}
	rep := runChaos(t, bin, sc, 20*time.Second)
	if rep.Passed {
		t.Fatal("a build whose followers serve stale consistent reads passed every check")
	}
	for _, v := range rep.Verdicts {
		if strings.HasPrefix(v.Property, "P1 ") {
			if v.OK {
				t.Fatalf("P1 passed on the planted stale-read bug: %s", v.Summary)
			}
			t.Logf("caught: %s %s", v.Property, v.Summary)
		}
	}
}

// chaosPrereqs skips without the privileges the harness needs and builds
// drover with the given tags.
func chaosPrereqs(t *testing.T, tags string) string {
	if testing.Short() {
		t.Skip("chaos runs take minutes; skipped with -short")
	}
	if err := netns.CheckPrivileges(); err != nil {
		t.Skipf("cluster-test needs root, ip and iptables: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "drover")
	args := []string{"build", "-o", bin, "-tags", strings.Trim("failpoints,"+tags, ",")}
	out, err := exec.Command("go", append(args, "github.com/drover/drover/cmd/drover")...).CombinedOutput()
	if err != nil {
		t.Fatalf("build drover: %v\n%s", err, out)
	}
	return bin
}

// runChaos runs one scenario on 3 nodes and logs its report; the evidence
// stays in the test's temp dir (kept in $DROVER_CHAOS_OUT when set).
func runChaos(t *testing.T, bin string, sc harness.Scenario, traffic time.Duration) *harness.Report {
	out := t.TempDir()
	if dir := os.Getenv("DROVER_CHAOS_OUT"); dir != "" {
		out = filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_"))
	}
	var log strings.Builder
	rep, err := harness.RunScenario(context.Background(), harness.Options{Binary: bin, Nodes: 3, Scenario: sc,
		Duration: traffic, Seed: uint64(time.Now().UnixNano() % 1e9), OutDir: out, Prefix: "ct",
		Log: &log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var report strings.Builder
	rep.Print(&report)
	t.Logf("%s\n%s", log.String(), report.String())
	return rep
}

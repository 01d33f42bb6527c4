package linear_test

import (
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/cluster-test/checker/linear"
	"github.com/drover/drover/cluster-test/history"
)

func TestSyntheticHistories(t *testing.T) {
	cases := []struct {
		name     string
		ops      int
		complete bool
	}{
		{"10k ops, complete log", 10_000, true},
		{"10k ops, no log", 10_000, false},
		{"30k ops, complete log", 30_000, true},
		{"30k ops, no log", 30_000, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && tc.ops > 10_000 {
				t.Skip("long")
			}
			ops, log := simulate(simConfig{clients: 8, ops: tc.ops, objects: 10, unknown: 0.03, seed: 1})
			in := linear.Input{Ops: ops, Log: log, LogComplete: true, Timeout: 2 * time.Minute}
			if !tc.complete {
				in.Log, in.LogComplete = nil, false
			}
			start := time.Now()
			res := linear.CheckLinearizable(in)
			t.Logf("%s in %s: %s", res.Verdict, time.Since(start).Round(time.Millisecond), res.Detail)
			if !res.OK {
				t.Fatal("a correct store's history failed")
			}
			if tc.complete {
				wantDurable(t, in)
			}
			if out := linear.CheckOutcomes(ops); !out.OK {
				t.Fatalf("P11: %s", out.Detail)
			}
		})
	}
}

// TestSyntheticSweep checks more seeds and unknown rates, with and without
// the log, for false alarms.
func TestSyntheticSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	for seed := uint64(10); seed < 14; seed++ {
		for _, u := range []float64{0.03, 0.3} {
			ops, log := simulate(simConfig{clients: 8, ops: 5_000, objects: 10, unknown: u, seed: seed})
			for _, in := range []linear.Input{{Ops: ops, Log: log, LogComplete: true}, {Ops: ops}} {
				start := time.Now()
				res := linear.CheckLinearizable(in)
				if !res.OK {
					t.Errorf("seed %d, unknown %v, log %v: %s: %s", seed, u, in.LogComplete, res.Verdict, res.Detail)
				}
				t.Logf("seed %d, unknown %v, log %v: %s", seed, u, in.LogComplete, time.Since(start).Round(time.Millisecond))
			}
		}
	}
}

func TestTimeoutGivesUnknown(t *testing.T) {
	ops, log := simulate(simConfig{clients: 8, ops: 10_000, objects: 10, unknown: 0.03, seed: 4})
	res := linear.CheckLinearizable(linear.Input{Ops: ops, Log: log, LogComplete: true, Timeout: time.Microsecond})
	t.Logf("%s: %s", res.Verdict, res.Detail)
	if res.OK || !res.TimedOut || !strings.HasPrefix(res.Verdict, "unknown: timed out") {
		t.Fatal("want an unknown verdict")
	}
}

func wantDurable(t *testing.T, in linear.Input) {
	t.Helper()
	start := time.Now()
	res := linear.CheckDurable(in)
	t.Logf("P3 %s in %s: %s", res.Verdict, time.Since(start).Round(time.Millisecond), res.Detail)
	if !res.OK {
		t.Fatal("a correct store's history is not durable")
	}
}

func TestSyntheticHistoryWithStaleReadFails(t *testing.T) {
	ops, log := simulate(simConfig{clients: 8, ops: 10_000, objects: 10, unknown: 0.03, seed: 2})
	g := injectStaleRead(t, ops)
	start := time.Now()
	res := linear.CheckLinearizable(linear.Input{Ops: ops, Log: log, LogComplete: true})
	t.Logf("injected at op %d; %s in %s: %s", g, res.Verdict, time.Since(start).Round(time.Millisecond), res.Detail)
	if res.OK || res.Verdict != linear.NotLinearizable {
		t.Fatal("the injected stale read was not caught")
	}
}

func TestSyntheticHistoryWithShortListFails(t *testing.T) {
	ops, log := simulate(simConfig{clients: 8, ops: 5_000, objects: 10, unknown: 0.03, seed: 3})
	i := len(ops) / 2
	for ; ops[i].Kind != history.List || ops[i].AtRevision != 0 || ops[i].Stale || len(ops[i].Items) == 0; i++ {
	}
	ops[i].Items = ops[i].Items[1:]
	start := time.Now()
	res := linear.CheckLinearizable(linear.Input{Ops: ops, Log: log, LogComplete: true})
	t.Logf("dropped an item of op %d; %s in %s: %s", i, res.Verdict, time.Since(start).Round(time.Millisecond), res.Detail)
	if res.OK || res.Verdict != linear.NotLinearizable {
		t.Fatal("the list missing an object was not caught")
	}
}

// injectStaleRead makes a get in the second half return the value of a
// write that a later write, completed before the get began, replaced.
func injectStaleRead(t *testing.T, ops []history.Operation) int {
	t.Helper()
	for g := len(ops) / 2; g < len(ops); g++ {
		if old := replacedWrite(ops, g); old != nil && ops[g].Kind == history.Get && !ops[g].Stale && ops[g].Outcome == history.OK {
			ops[g].Found, ops[g].Result = true, &history.Item{Name: old.Name, Value: old.Value, Revision: old.Result.Revision}
			return g
		}
	}
	t.Fatal("no get to make stale")
	return -1
}

// replacedWrite finds an ok create or update of ops[g]'s object that a
// later ok write of it, returned before ops[g] began, replaced.
func replacedWrite(ops []history.Operation, g int) *history.Operation {
	var latest, before *history.Operation
	for i := range ops {
		w := &ops[i]
		if !w.Kind.IsWrite() || w.Outcome != history.OK || w.Name != ops[g].Name || w.Return >= ops[g].Invoke {
			continue
		}
		if latest == nil || w.Result.Revision > latest.Result.Revision {
			latest = w
		}
	}
	for i := range ops {
		w := &ops[i]
		if latest != nil && w.Kind != history.Delete && w.Kind.IsWrite() && w.Outcome == history.OK &&
			w.Name == ops[g].Name && w.Result.Revision < latest.Result.Revision {
			before = w
		}
	}
	return before
}

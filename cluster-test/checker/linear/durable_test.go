package linear_test

import (
	"strings"
	"testing"

	"github.com/drover/drover/cluster-test/checker/linear"
	"github.com/drover/drover/cluster-test/history"
)

// durableOps are acked: create k0 a@5, update to b@8, delete at 9; an
// unknown create of k1 c (logged at 10) and a final list.
func durableOps() []history.Operation {
	return []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		update(span{0, 10, 20}, "k0", "b", 5, 8),
		del(span{0, 20, 30}, "k0", 8, "b", 9),
		unknown(create(span{1, 20, 30}, "k1", "c", 0)),
		list(span{1, 40, 50}, 0, 11, it("k1", "c", 10)),
	}
}

func durableLog() []history.Event {
	return []history.Event{
		ev(history.Added, 5, "k0", "a"), ev(history.Modified, 8, "k0", "b"),
		ev(history.Deleted, 9, "k0", "b"), ev(history.Added, 10, "k1", "c"),
	}
}

func durable(t *testing.T, ops []history.Operation, log []history.Event, complete bool) linear.Result {
	t.Helper()
	res := linear.CheckDurable(linear.Input{Ops: ops, Log: log, LogComplete: complete})
	t.Logf("%s: %s", res.Verdict, res.Detail)
	return res
}

func TestDurableHistoryPasses(t *testing.T) {
	if res := durable(t, durableOps(), durableLog(), true); !res.OK {
		t.Fatal("want durable")
	}
}

func TestAckedWriteMissingFromLog(t *testing.T) {
	log := durableLog()
	log = append(log[:1], log[2:]...) // the update at 8 is lost
	res := durable(t, durableOps(), log, true)
	if res.OK || res.Verdict != linear.NotDurable || !strings.Contains(res.Detail, `update k0 "b"`) {
		t.Fatal("want the acked update reported missing")
	}
	res = durable(t, durableOps(), log, false)
	if res.OK || res.Verdict != linear.LogIncomplete {
		t.Fatal("with an incomplete log a missing write is not a verdict")
	}
}

func TestLogWithUnissuedWrite(t *testing.T) {
	log := append(durableLog(), ev(history.Added, 12, "k2", "phantom"))
	res := durable(t, durableOps(), log, true)
	if res.OK || !strings.Contains(res.Detail, "phantom") {
		t.Fatal("want the unissued write reported")
	}
}

func TestRefusedWriteInLog(t *testing.T) {
	ops := append(durableOps(), failed(update(span{2, 30, 35}, "k1", "d", 3, 0), "Aborted"))
	log := append(durableLog(), ev(history.Modified, 12, "k1", "d"))
	res := durable(t, ops, log, false)
	if res.OK || !strings.Contains(res.Detail, "refused write took effect") {
		t.Fatal("want the refused write reported")
	}
}

func TestFinalReadComparedWithLog(t *testing.T) {
	ops := durableOps()
	ops[4].Items = nil
	res := durable(t, ops, durableLog(), true)
	if res.OK || !strings.Contains(res.Detail, "final read") {
		t.Fatal("want the final read reported")
	}
}

func TestClassify(t *testing.T) {
	ops := durableOps()
	ops = append(ops,
		failed(update(span{2, 30, 35}, "k1", "d", 3, 0), "Unavailable"),
		unknown(update(span{2, 40, 45}, "k1", "d", 3, 0)),
	)
	c := linear.Classify(ops)
	if c.ByKind[history.Update] != (linear.KindCounts{OK: 1, Fail: 1, Unknown: 1}) || c.ByKind[history.Create].Unknown != 1 {
		t.Fatalf("counts: %s", c)
	}
	if c.BadFails != 1 || c.Retries != 1 || len(c.Examples) != 2 || c.OK() {
		t.Fatalf("want one bad fail and one retry: %+v", c)
	}
	if res := linear.CheckOutcomes(durableOps()); !res.OK {
		t.Fatalf("P11: %+v", res)
	}
}

// Writes that shared one Raft entry share its revision: each is found.
func TestDurableWritesSharingARevision(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 7),
		create(span{1, 1, 11}, "k1", "b", 7),
		del(span{0, 12, 20}, "k0", 7, "a", 9),
		del(span{1, 13, 21}, "k1", 7, "b", 9),
	}
	log := []history.Event{ev(history.Added, 7, "k0", "a"), ev(history.Added, 7, "k1", "b"),
		ev(history.Deleted, 9, "k0", "a"), ev(history.Deleted, 9, "k1", "b")}
	if res := durable(t, ops, log, true); !res.OK {
		t.Fatalf("%s: %s", res.Verdict, res.Detail)
	}
	if res := durable(t, ops[:3], log, true); res.OK {
		t.Fatal("a delete at a shared revision that no operation made passed")
	}
}

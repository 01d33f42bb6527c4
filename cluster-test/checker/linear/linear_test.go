package linear_test

import (
	"os"
	"strings"
	"testing"

	"github.com/drover/drover/cluster-test/checker/linear"
	"github.com/drover/drover/cluster-test/history"
)

// check runs P1 with a complete log.
func check(t *testing.T, ops []history.Operation, log ...history.Event) linear.Result {
	t.Helper()
	res := linear.CheckLinearizable(linear.Input{Ops: ops, Log: log, LogComplete: true})
	t.Logf("%s: %s", res.Verdict, res.Detail)
	return res
}

func wantOK(t *testing.T, res linear.Result) {
	t.Helper()
	if !res.OK || res.Verdict != linear.Linearizable {
		t.Fatalf("want linearizable, got %q: %s", res.Verdict, res.Detail)
	}
}

func wantIllegal(t *testing.T, res linear.Result, mention string) {
	t.Helper()
	if res.OK || res.Verdict != linear.NotLinearizable {
		t.Fatalf("want NOT linearizable, got %q: %s", res.Verdict, res.Detail)
	}
	if !strings.Contains(res.Detail, mention) {
		t.Fatalf("detail does not mention %q: %s", mention, res.Detail)
	}
}

// baseLog is the log of a create of k0 "a" at 5 and its update to "b" at 8.
var baseLog = []history.Event{ev(history.Added, 5, "k0", "a"), ev(history.Modified, 8, "k0", "b")}

func TestConcurrentHistoryIsLinearizable(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		get(span{1, 2, 4}, "k0", "", 0),
		get(span{1, 6, 12}, "k0", "a", 5),
		update(span{0, 12, 20}, "k0", "b", 5, 8),
		list(span{2, 13, 16}, 0, 6, it("k0", "a", 5)),
		list(span{3, 14, 25}, 0, 9, it("k0", "b", 8)),
		failed(update(span{1, 14, 18}, "k0", "x", 4, 0), "Aborted"),
		failed(create(span{2, 17, 19}, "k0", "y", 0), "AlreadyExists"),
		list(span{2, 20, 22}, 6, 6, it("k0", "a", 5)),
	}
	wantOK(t, check(t, ops, baseLog...))
}

func TestStaleReadIsCaught(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		update(span{0, 10, 20}, "k0", "b", 5, 8),
		get(span{1, 30, 40}, "k0", "a", 5),
	}
	wantIllegal(t, check(t, ops, baseLog...), "k0")
	ops[2].Stale = true
	wantOK(t, check(t, ops, baseLog...))
}

func TestLostUpdateIsCaught(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		update(span{0, 10, 20}, "k0", "b", 5, 8),
		update(span{1, 11, 21}, "k0", "c", 5, 9),
	}
	log := append(append([]history.Event(nil), baseLog...), ev(history.Modified, 9, "k0", "c"))
	wantIllegal(t, check(t, ops, log...), "k0")
}

func TestFalseConflictIsCaught(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		failed(update(span{1, 20, 30}, "k0", "b", 5, 0), "Aborted"),
	}
	wantIllegal(t, check(t, ops, baseLog[0]), "Aborted")
}

func TestUnknownWriteObservedLater(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		unknown(update(span{0, 10, 20}, "k0", "b", 5, 0)),
		get(span{1, 30, 40}, "k0", "b", 8),
	}
	res := check(t, ops, baseLog...)
	wantOK(t, res)
	if res.Stats.Resolved != 1 {
		t.Fatalf("want the unknown update settled by the log, stats %+v", res.Stats)
	}
	// Without the log, the read settles it at the revision it returned.
	res = linear.CheckLinearizable(linear.Input{Ops: ops})
	wantOK(t, res)
	if res.Stats.SeenByRead != 1 {
		t.Fatalf("want the unknown update settled by the read, stats %+v", res.Stats)
	}
	// A revision no higher than the one it replaced is impossible.
	ops[2].Result.Revision = 4
	wantIllegal(t, linear.CheckLinearizable(linear.Input{Ops: ops}), "k0")
}

func TestUnknownWriteExplainsConflict(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		unknown(update(span{0, 10, 20}, "k0", "b", 5, 0)),
		failed(update(span{1, 30, 40}, "k0", "c", 5, 0), "Aborted"),
	}
	// Without a log the unknown update forks; only its applied branch
	// explains the conflict.
	res := linear.CheckLinearizable(linear.Input{Ops: ops, Log: baseLog[:1]})
	wantOK(t, res)
	if res.Stats.Unresolved != 1 {
		t.Fatalf("want the unknown update left unknown, stats %+v", res.Stats)
	}
	// A complete log without it: the conflict is false.
	wantIllegal(t, check(t, ops, baseLog[0]), "Aborted")
}

func TestUnknownWriteAbsentFromLogIsDropped(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		unknown(update(span{0, 10, 20}, "k0", "lost", 5, 0)),
		update(span{1, 30, 40}, "k0", "b", 5, 8),
		get(span{1, 50, 60}, "k0", "b", 8),
	}
	res := check(t, ops, baseLog...)
	wantOK(t, res)
	if res.Stats.Dropped != 1 {
		t.Fatalf("want the unknown update dropped, stats %+v", res.Stats)
	}
}

func TestUnknownDeleteSettledByLog(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		unknown(del(span{0, 10, 20}, "k0", 5, "", 0)),
		get(span{1, 30, 40}, "k0", "", 0),
		create(span{1, 40, 50}, "k0", "c", 12),
	}
	log := []history.Event{ev(history.Added, 5, "k0", "a"), ev(history.Deleted, 9, "k0", "a"), ev(history.Added, 12, "k0", "c")}
	res := check(t, ops, log...)
	wantOK(t, res)
	if res.Stats.Resolved != 1 {
		t.Fatalf("want the unknown delete settled, stats %+v", res.Stats)
	}
	// A complete log without the delete: the read that missed k0 is wrong.
	wantIllegal(t, check(t, ops[:3], log[0]), "k0")
}

func TestListBelowCompletedWriteIsCaught(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		list(span{1, 20, 30}, 0, 3),
	}
	wantIllegal(t, check(t, ops, baseLog[0]), "revision 3")
}

func TestRevisionsAcrossObjectsFollowRealTime(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 10),
		create(span{1, 20, 30}, "k1", "b", 7),
	}
	log := []history.Event{ev(history.Added, 7, "k1", "b"), ev(history.Added, 10, "k0", "a")}
	wantIllegal(t, check(t, ops, log...), "not above 10")
}

func TestListAtRevisionComparedWithLog(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		update(span{0, 10, 20}, "k0", "b", 5, 8),
		list(span{1, 30, 40}, 6, 6, it("k0", "b", 8)),
	}
	wantIllegal(t, check(t, ops, baseLog...), "the log at 6 has k0=\"a\"@5")
	ops[2].Items = []history.Item{it("k0", "a", 5)}
	wantOK(t, check(t, ops, baseLog...))
}

func TestVisualizationWrittenOnFailure(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		update(span{0, 10, 20}, "k0", "b", 5, 8),
		get(span{1, 30, 40}, "k0", "a", 5),
	}
	res := linear.CheckLinearizable(linear.Input{Ops: ops, Log: baseLog, LogComplete: true, OutDir: t.TempDir()})
	if res.OK || res.VisualizationPath == "" {
		t.Fatalf("want a failure with a visualization: %+v", res)
	}
	if fi, err := os.Stat(res.VisualizationPath); err != nil || fi.Size() == 0 {
		t.Fatalf("visualization: %v", err)
	}
}

func TestInvalidHistory(t *testing.T) {
	op := create(span{0, 0, 10}, "k0", "a", 5)
	op.Result = nil
	res := check(t, []history.Operation{op})
	if res.OK || res.Verdict != linear.InvalidHistory {
		t.Fatalf("want invalid history, got %+v", res)
	}
}

func TestListMissingObjectIsCaught(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		list(span{1, 20, 30}, 0, 6),
	}
	wantIllegal(t, check(t, ops, baseLog[0]), "full")
}

func TestEmptyHistory(t *testing.T) {
	wantOK(t, check(t, nil))
}

func TestAmbiguousUnknownDeletesFork(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		unknown(del(span{0, 10, 20}, "k0", 5, "", 0)),
		unknown(del(span{1, 12, 22}, "k0", 5, "", 0)),
		get(span{1, 30, 40}, "k0", "", 0),
		create(span{1, 40, 50}, "k0", "c", 12),
	}
	log := []history.Event{ev(history.Added, 5, "k0", "a"), ev(history.Deleted, 9, "k0", "a"), ev(history.Added, 12, "k0", "c")}
	res := check(t, ops, log...)
	wantOK(t, res)
	if res.Stats.Resolved != 0 || res.Stats.Unresolved != 2 {
		t.Fatalf("want both deletes left unknown, stats %+v", res.Stats)
	}
}

func TestUnknownUpdateWithGonePreconditionIsDropped(t *testing.T) {
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 5),
		update(span{0, 10, 20}, "k0", "b", 5, 8),
		unknown(update(span{1, 30, 40}, "k0", "x", 5, 0)),
		get(span{1, 50, 60}, "k0", "b", 8),
	}
	res := linear.CheckLinearizable(linear.Input{Ops: ops})
	wantOK(t, res)
	if res.Stats.Impossible != 1 {
		t.Fatalf("want the update on a replaced version dropped, stats %+v", res.Stats)
	}
}

// One Raft entry may carry several concurrent writes, which then share its
// revision; a write that began after another returned may not share it,
// nor may a write share the revision of a list that came before it.
func TestWritesSharingARevision(t *testing.T) {
	log := []history.Event{ev(history.Added, 7, "k0", "a"), ev(history.Added, 7, "k1", "b")}
	ops := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 7),
		create(span{1, 1, 11}, "k1", "b", 7),
		list(span{2, 12, 14}, 0, 7, it("k0", "a", 7), it("k1", "b", 7)),
	}
	wantOK(t, check(t, ops, log...))

	sequential := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 7),
		create(span{1, 11, 20}, "k1", "b", 7),
	}
	if res := check(t, sequential, log...); res.OK {
		t.Fatal("a write that began after another returned shared its revision")
	}
	afterList := []history.Operation{
		create(span{0, 0, 10}, "k0", "a", 7),
		list(span{2, 11, 12}, 0, 7, it("k0", "a", 7)),
		create(span{1, 5, 20}, "k1", "b", 7),
	}
	if res := check(t, afterList, log...); res.OK {
		t.Fatal("a list at 7 that misses a write at 7 passed")
	}
}

package replay_test

import (
	"testing"

	"github.com/drover/drover/cluster-test/checker/replay"
	"github.com/drover/drover/cluster-test/history"
)

// ops gives list to one client, invoked in the order given, and makes
// outcomes OK unless set.
func ops(client int, list ...history.Operation) []history.Operation {
	for i := range list {
		list[i].Client, list[i].Invoke, list[i].Return = client, int64(10*i+10*client)*1e6, int64(10*i+10*client+5)*1e6
		if list[i].Outcome == "" {
			list[i].Outcome = history.OK
		}
	}
	return list
}

// itemsAt is the replayed state at rev, as a list returns it.
func itemsAt(rev uint64) []history.Item {
	var out []history.Item
	for _, it := range []history.Item{item("k0", "", 0), item("k1", "", 0), item("k2", "", 0), item("k3", "", 0)} {
		if got, ok := fixtureState().ItemAt(it.Name, rev); ok {
			out = append(out, got)
		}
	}
	return out
}

// fixtureState replays fixtureLog, panicking on error (tests only).
func fixtureState() *replay.State {
	st, err := replay.Replay(fixtureLog())
	if err != nil {
		panic(err)
	}
	return st
}

// list is a latest list answered at rev.
func list(rev uint64) history.Operation {
	return history.Operation{Kind: history.List, Revision: rev, Items: itemsAt(rev)}
}

// listAtRev is a list at revision at.
func listAtRev(at uint64) history.Operation {
	op := list(at)
	op.AtRevision = at
	return op
}

// staleList is a stale list answered by node at rev.
func staleList(node string, rev uint64) history.Operation {
	op := list(rev)
	op.Stale, op.AnsweredBy = true, node
	return op
}

// get is a get that found name=value@rv.
func get(name, value string, rv uint64) history.Operation {
	return history.Operation{Kind: history.Get, Name: name, Found: true, Result: &history.Item{Name: name, Value: value, Revision: rv}}
}

// getNone is a get that found nothing.
func getNone(name string) history.Operation { return history.Operation{Kind: history.Get, Name: name} }

// write is an acknowledged write returning name=value@rv.
func write(kind history.Kind, name, value string, rv uint64) history.Operation {
	res := &history.Item{Name: name, Value: value, Revision: rv}
	if kind == history.Delete {
		value = ""
	}
	return history.Operation{Kind: kind, Name: name, Value: value, Result: res}
}

func TestRevisionsPass(t *testing.T) {
	var all []history.Operation
	all = append(all, ops(1,
		write(history.Create, "k0", "v1", 1),
		list(2),
		write(history.Update, "k0", "v3", 3),
		get("k1", "v2", 2), // rv 2 < 3 seen, but still current at 3
		listAtRev(1),       // the past, by request
		write(history.Delete, "k0", "v3", 6),
		getNone("k0"),
		staleList("n1", 5), // stale: may lag what the client saw
		staleList("n1", 5),
		get("k2", "v5b", 5),
		history.Operation{Kind: history.Update, Name: "k1", Value: "x", Outcome: history.Fail, Code: "Aborted"},
		history.Operation{Kind: history.Create, Name: "k4", Value: "y", Outcome: history.Unknown},
		list(11),
	)...)
	all = append(all, ops(2,
		getNone("k3"),
		list(8),
		getNone("k2"), // present at 8, but gone from 10: the read may be at 10
	)...)
	wantOK(t, replay.CheckRevisions(all, fixture(t)))
}

func TestRevisionViolations(t *testing.T) {
	badItems := listAtRev(5)
	badItems.Items = badItems.Items[:2]
	otherRev := listAtRev(5)
	otherRev.Revision, otherRev.Items = 6, itemsAt(6)
	phantom := list(6)
	phantom.Items = append(phantom.Items, item("k0", "v3", 3))
	cases := []struct {
		name string
		ops  []history.Operation
		want string
	}{
		{"list revision going backwards", ops(1, list(6), list(4)), "list (t=0.020s): answered at revision 4, below 6 the client had already seen"},
		{"write revision not above what was seen", ops(1, list(8), write(history.Create, "k3", "v7", 7)),
			"returned revision 7, not above 8"},
		{"write not in the log", ops(1, write(history.Create, "k9", "x", 11)), "the log holds no such change"},
		{"get older than what was seen", ops(1, list(6), get("k1", "v2", 2)), "returned \"v2\"@2, replaced at 5, but the client had already seen 6"},
		{"get after a write goes back", ops(1, write(history.Update, "k0", "v3", 3), get("k0", "v1", 1)), "replaced at 3"},
		{"get of a state never held", ops(1, get("k1", "zz", 2)), "which the log never held"},
		{"get not found though present", ops(1, list(8), getNone("k0")), "found nothing, but the object existed at every revision from 8"},
		{"list at R mismatch", ops(1, badItems), "list at 5 (t=0.010s): at revision 5: misses k2=\"v5b\"@5"},
		{"list at R answered at another revision", ops(1, otherRev), "answered at revision 6"},
		{"latest list mismatch", ops(1, phantom), "lists k0=\"v3\"@3, absent in the log"},
		{"stale reads of one node going backwards", ops(1, staleList("n1", 6), staleList("n2", 4), staleList("n1", 5)),
			"answered at revision 5, below 6 a stale read by the same node had already shown"},
	}
	st := fixture(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := replay.CheckRevisions(c.ops, st)
			t.Log(r)
			wantOne(t, r, c.want)
		})
	}
}

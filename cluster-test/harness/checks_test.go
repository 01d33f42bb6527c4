package harness

import (
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/cluster-test/checker/replay"
	"github.com/drover/drover/cluster-test/history"
)

// testRun is a Run of three nodes with no network, for the checks that
// only read what a run recorded.
func testRun() *Run {
	return &Run{c: NewCluster(ClusterConfig{Nodes: 3}, nil)}
}

func TestCheckLeaders(t *testing.T) {
	r := testRun()
	r.Samples = []Sample{{Node: 1, Term: 2, State: "Leader"}, {Node: 2, Term: 2, State: "Follower"},
		{Node: 2, Term: 3, State: "Leader"}}
	if v := r.checkLeaders(); !v.OK {
		t.Fatalf("one leader per term failed: %s", v.Summary)
	}
	r.Samples = append(r.Samples, Sample{Node: 3, Term: 2, State: "Leader"})
	if v := r.checkLeaders(); v.OK || !strings.Contains(v.Summary, "term 2") {
		t.Fatalf("two leaders in term 2 passed: %+v", v)
	}
}

func ev(typ history.EventType, rev uint64, name, value string) history.Event {
	return history.Event{Type: typ, Revision: rev, Name: name, Value: value}
}

func TestInformerChecks(t *testing.T) {
	log := []history.Event{ev(history.Added, 5, "k0", "a"), ev(history.Added, 6, "k1", "b"),
		ev(history.Deleted, 7, "k9", "z"), ev(history.Modified, 8, "k0", "c"), ev(history.Deleted, 9, "k1", "b")}
	st, err := replay.Replay(append([]history.Event{ev(history.Added, 4, "k9", "z")}, log...))
	if err != nil {
		t.Fatal(err)
	}
	r := testRun()
	r.FinalRevision = 9
	good := &informerRecord{Node: 1, Initial: []history.Event{ev(history.Added, 5, "k0", "a"), ev(history.Added, 6, "k1", "b")},
		Calls: []history.Event{ev(history.Modified, 8, "k0", "c"), ev(history.Deleted, 9, "k1", "b")},
		Final: []history.Item{{Name: "k0", Value: "c", Revision: 8}}, Revision: 9}
	r.Informers = []*informerRecord{good}
	fullLog := append([]history.Event{ev(history.Added, 4, "k9", "z")}, log...)
	if v := r.checkInformers(st, fullLog); !v.OK {
		t.Fatalf("an exact informer failed: %s", v.Summary)
	}
	missed := *good
	missed.Calls = good.Calls[1:]
	r.Informers = []*informerRecord{&missed}
	if v := r.checkInformers(st, fullLog); v.OK || !strings.Contains(v.Summary, "MODIFIED k0") {
		t.Fatalf("a missed update passed: %+v", v)
	}
	stale := *good
	stale.Final = []history.Item{{Name: "k0", Value: "a", Revision: 5}}
	r.Informers = []*informerRecord{&stale}
	if v := r.checkInformers(st, fullLog); v.OK {
		t.Fatal("a stale copy passed")
	}
}

func TestNATSChecks(t *testing.T) {
	log := []history.Event{ev(history.Added, 5, "k0", "a"), ev(history.Added, 6, "k1", "b"), ev(history.Added, 7, "k2", "c")}
	msg := func(rev uint64, prev uint64, name, value string) natsMsg {
		return natsMsg{Rev: rev, PrevRev: prev, Ours: true, Type: history.Added, Name: name, Value: value}
	}
	r := testRun()
	signalled := &natsRecord{Node: 1, Msgs: []natsMsg{msg(5, 4, "k0", "a"), msg(7, 6, "k2", "c")}}
	r.NATS = []*natsRecord{signalled}
	if v := r.checkNATS(log); !v.OK || !strings.Contains(v.Summary, "1 gaps signalled") {
		t.Fatalf("a signalled gap: %+v", v)
	}
	silent := &natsRecord{Node: 1, Msgs: []natsMsg{msg(5, 4, "k0", "a"), msg(7, 5, "k2", "c")}}
	r.NATS = []*natsRecord{silent}
	if v := r.checkNATS(log); v.OK {
		t.Fatal("a silent gap passed")
	}
	repeated := &natsRecord{Node: 1, Msgs: []natsMsg{msg(5, 4, "k0", "a"), msg(5, 5, "k0", "a")}}
	r.NATS = []*natsRecord{repeated}
	if v := r.checkNATS(log); v.OK {
		t.Fatal("a repeated event passed")
	}
}

func TestMajorityWritable(t *testing.T) {
	f := Fault{Start: 0, End: int64(8 * time.Second)}
	if majorityWritable(Phase{Fault: f, ResumedAfter: -1}) {
		t.Fatal("an 8 s fault with no write acknowledged passed")
	}
	if !majorityWritable(Phase{Fault: f, ResumedAfter: 3 * time.Second}) {
		t.Fatal("writes resumed after 3 s failed")
	}
	short := Fault{Start: 0, End: int64(2 * time.Second)}
	if !majorityWritable(Phase{Fault: short, ResumedAfter: -1}) {
		t.Fatal("a 2 s fault needs no write")
	}
}

func TestFinalWriteBound(t *testing.T) {
	r := testRun()
	r.FinalRevision, r.FinalLatency = 9, time.Second
	if v := r.checkAvailability(nil); !v.OK {
		t.Fatalf("a prompt final write failed: %s", v.Summary)
	}
	r.FinalLatency = finalWriteBound + time.Second
	if v := r.checkAvailability(nil); v.OK {
		t.Fatal("a final write slower than the bound passed")
	}
	r.FinalRevision = 0
	if v := r.checkAvailability(nil); v.OK {
		t.Fatal("a failed final write passed")
	}
}

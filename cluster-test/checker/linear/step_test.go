package linear

import (
	"testing"

	"github.com/drover/drover/cluster-test/history"
)

// states runs step and returns the resulting states.
func states(s state, c *call) []state {
	var out []state
	for _, t := range step(s, c) {
		out = append(out, t.(state))
	}
	return out
}

func TestListStepNeedsRevisionAtLeastLast(t *testing.T) {
	s := state{objs: []object{{present: true, value: 1, rv: 5}}, last: 7}
	c := &call{kind: history.List, effect: read, key: -1, items: []item{{key: 0, value: 1, rv: 5}}}
	for rev, want := range map[uint64]int{6: 0, 7: 1, 9: 1} {
		c.revision = rev
		got := states(s, c)
		if len(got) != want {
			t.Fatalf("list at %d: %d states, want %d", rev, len(got), want)
		}
		if want == 1 && got[0].last != rev {
			t.Fatalf("list at %d leaves last %d", rev, got[0].last)
		}
	}
}

func TestUnknownWriteForksAndReadBinds(t *testing.T) {
	s := state{objs: []object{{present: true, value: 1, rv: 5}}, last: 5}
	up := &call{kind: history.Update, effect: maybe, key: 0, value: 2, pre: 5}
	forks := states(s, up)
	if len(forks) != 2 || forks[1].objs[0] != (object{present: true, value: 2, lo: 5}) {
		t.Fatalf("forks: %+v", forks)
	}
	get := &call{kind: history.Get, effect: read, key: 0, found: true, outValue: 2, rv: 9}
	bound := states(forks[1], get)
	if len(bound) != 1 || bound[0].objs[0].rv != 9 || bound[0].last != 9 {
		t.Fatalf("bound: %+v", bound)
	}
	get.rv = 5
	if len(states(forks[1], get)) != 0 {
		t.Fatal("a read bound an unknown write's revision to one it must exceed")
	}
	next := &call{kind: history.Update, effect: applied, key: 0, value: 3, pre: 9, outValue: 3, rv: 8}
	if len(states(bound[0], next)) != 0 {
		t.Fatal("a write got a revision below the one it replaced")
	}
}

func TestRefusals(t *testing.T) {
	present := object{present: true, value: 1, rv: 5}
	cases := []struct {
		o    object
		r    refusal
		pre  uint64
		want bool
	}{
		{present, refusedExists, 0, true},
		{object{}, refusedExists, 0, false},
		{object{}, refusedAbsent, 5, true},
		{present, refusedAbsent, 5, false},
		{present, refusedConflict, 4, true},
		{present, refusedConflict, 5, false},
		{present, refusedAnyway, 5, true},
	}
	for _, tc := range cases {
		if got := refusalHolds(tc.o, &call{refusal: tc.r, pre: tc.pre}); got != tc.want {
			t.Errorf("%+v refusal %d pre %d: %v, want %v", tc.o, tc.r, tc.pre, got, tc.want)
		}
	}
}

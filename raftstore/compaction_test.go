package raftstore

import (
	"testing"
	"time"
)

// TestCompactionTargetSteps checks that MaxStep cuts a large backlog into
// whole-revision steps that report more work, and that the count and age
// rules combine as the longer of their prefixes.
func TestCompactionTargetSteps(t *testing.T) {
	s := newStore(t)
	s.apply(100, create(nsObj("a")))                                                     // rev 1
	s.apply(200, create(obj("Pod", "a", "x", `{}`)), create(obj("Pod", "a", "y", `{}`))) // rev 2: two events
	s.apply(300, create(obj("Pod", "a", "z", `{}`)))                                     // rev 3
	s.apply(400, create(obj("Pod", "a", "w", `{}`)))                                     // rev 4
	at := time.Unix(0, 1000)
	cases := []struct {
		name   string
		policy CompactionPolicy
		target uint64
		more   bool
	}{
		{"count, no step", CompactionPolicy{MaxEvents: 1}, 3, false},
		{"count, step 1", CompactionPolicy{MaxEvents: 1, MaxStep: 1}, 1, true},
		{"count, step inside a revision", CompactionPolicy{MaxEvents: 1, MaxStep: 2}, 2, true},
		{"count, step covers it", CompactionPolicy{MaxEvents: 1, MaxStep: 4}, 3, false},
		{"age beyond count", CompactionPolicy{MaxEvents: 4, MaxAge: time.Duration(1000 - 350)}, 3, false},
		{"count beyond age", CompactionPolicy{MaxEvents: 2, MaxAge: time.Duration(1000 - 150)}, 2, false},
		{"age, step 2", CompactionPolicy{MaxAge: time.Duration(1000 - 450), MaxStep: 2}, 2, true},
		{"nothing due", CompactionPolicy{MaxEvents: 10, MaxAge: time.Hour, MaxStep: 1}, 0, false},
	}
	for _, c := range cases {
		target, more := s.CompactionTarget(c.policy, at)
		if target != c.target || more != c.more {
			t.Errorf("%s: got (%d, %v), want (%d, %v)", c.name, target, more, c.target, c.more)
		}
	}
	s.apply(500, compact(1))
	if target, more := s.CompactionTarget(CompactionPolicy{MaxEvents: 1, MaxStep: 1}, at); target != 2 || !more {
		t.Fatalf("after compacting revision 1: got (%d, %v), want (2, true)", target, more)
	}
}

package failpoint

import (
	"strings"
	"testing"
	"time"
)

// Actions parse in both builds; a malformed one names what is wanted.
func TestParseAction(t *testing.T) {
	for _, c := range []struct {
		in   string
		want action
	}{
		{"off", action{kind: kindOff, pct: 100, text: "off"}},
		{" exit ", action{kind: kindExit, pct: 100, text: "exit"}},
		{"panic", action{kind: kindPanic, pct: 100, text: "panic"}},
		{"error", action{kind: kindError, pct: 100, text: "error"}},
		{"sleep(200ms)", action{kind: kindSleep, sleep: 200 * time.Millisecond, pct: 100, text: "sleep(200ms)"}},
		{"1*error", action{kind: kindError, pct: 100, count: 1, text: "1*error"}},
		{"12.5%exit", action{kind: kindExit, pct: 12.5, text: "12.5%exit"}},
		{"50%3*sleep(1s)", action{kind: kindSleep, sleep: time.Second, pct: 50, count: 3, text: "50%3*sleep(1s)"}},
	} {
		got, err := parseAction(c.in)
		if err != nil || got != c.want {
			t.Errorf("%q: %+v %v, want %+v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "on", "exit(1)", "sleep", "sleep()", "sleep(fast)", "sleep(-1s)",
		"0%exit", "101%exit", "x%exit", "0*exit", "-1*exit", "1*off", "2*", "3*2*exit", "exit%50"} {
		if a, err := parseAction(bad); err == nil {
			t.Errorf("%q accepted as %+v", bad, a)
		}
	}
}

// Unknown points and error at a point whose site cannot fail are refused.
func TestCheck(t *testing.T) {
	if _, err := check("fsm-commit", "exit"); err == nil || !strings.Contains(err.Error(), FSMCommitAfter) {
		t.Fatalf("unknown point: %v (want the known ones listed)", err)
	}
	for _, p := range points {
		_, err := check(p.name, "error")
		if (err == nil) != p.canFail {
			t.Errorf("%s: error accepted %v, can fail %v", p.name, err == nil, p.canFail)
		}
		if _, err := check(p.name, "sleep(1ms)"); err != nil {
			t.Errorf("%s: %v", p.name, err)
		}
	}
}

func TestParseSpec(t *testing.T) {
	got, err := parseSpec(" snapshot-restore=exit ;; fsync-slow = sleep(50ms);")
	want := []setting{{SnapshotRestore, "exit"}, {FsyncSlow, "sleep(50ms)"}}
	if err != nil || len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("%v %v, want %v", got, err, want)
	}
	if got, err := parseSpec(""); err != nil || got != nil {
		t.Fatalf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"exit", "nope=exit", "fsm-commit-after=error", "fsync-slow=sleep"} {
		if _, err := parseSpec(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

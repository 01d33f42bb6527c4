// Package failpoint injects faults at named points of the store and the
// node, for cluster-test (CHAOS.md, "Fault primitives"). The points work
// only in binaries built with `-tags failpoints`. In every other build
// Enabled is false and Inject is an empty function that the compiler
// inlines away, so a site costs nothing and the binary holds none of this
// package's machinery.
//
// A point is armed with an action:
//
//	off
//	[P%][N*]KIND
//
// where KIND is one of
//
//	sleep(D)  sleep for D (a time.ParseDuration string, e.g. 200ms)
//	panic     panic with "failpoint <name>: panic"
//	exit      print "failpoint <name>: exit" to stderr and os.Exit(137)
//	          at once: no deferred calls, no flushes, no clean-shutdown
//	          marker, as if the process lost power (the kernel still
//	          holds what was written, as after a SIGKILL)
//	error     Inject returns an error wrapping ErrInjected; only at the
//	          points whose site can return one (see Points)
//
// P% fires the action on a hit with probability P percent (0 < P ≤ 100);
// N* fires it on the next N hits that pass P% and then turns the point off.
// Examples: "sleep(200ms)", "1*error", "10%exit", "50%3*panic".
package failpoint

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The points, by name. The names are a contract with cluster-test and
// whoever sets them over HTTP or EnvVar: do not rename them.
const (
	// RaftLogAppendBefore is hit before the Raft log stores a batch of
	// entries (raft-wal's StoreLogs: write and fsync). error: the append
	// fails and writes nothing (a leader steps down; a follower rejects the
	// AppendEntries).
	RaftLogAppendBefore = "raft-log-append-before"
	// FsyncSlow is hit right after RaftLogAppendBefore, immediately before
	// the write and fsync of the entries; meant for sleep(D), a slow disk
	// (CHAOS.md scenario 12). error: as RaftLogAppendBefore.
	FsyncSlow = "fsync-slow"
	// RaftLogAppendAfter is hit once the entries are written and fsynced,
	// before Raft learns of it. exit: the entries are durable but never
	// acknowledged. error: they are durable, yet Raft is told the append
	// failed.
	RaftLogAppendAfter = "raft-log-append-after"
	// FSMCommitBefore is hit when an FSM batch has written everything into
	// its bbolt transaction, just before the commit. exit: the batch is
	// lost from bbolt and replayed from the Raft log at restart.
	FSMCommitBefore = "fsm-commit-before"
	// FSMCommitAfter is hit right after the bbolt commit of an FSM batch,
	// before the in-memory applied index advances and before the events are
	// published. exit: the batch is in bbolt (the kernel has it), its
	// events were never published, and Raft replays it at restart, which
	// skips it as applied.
	FSMCommitAfter = "fsm-commit-after"
	// SnapshotPersist is hit inside an FSM snapshot's Persist once about
	// half of the bbolt copy was written to the Raft snapshot sink, before
	// the rest, the fsync of the FSM file and the sink's Close. error: the
	// sink is cancelled and Persist fails (Raft keeps its previous
	// snapshot). exit: a partial snapshot directory (*.tmp) is left, which
	// Raft ignores.
	SnapshotPersist = "snapshot-persist"
	// SnapshotRestore is hit inside Restore after the restored bbolt file
	// was renamed over the live one and the directory fsynced, before the
	// file is reopened: the old state is gone from disk and the in-memory
	// state (applied index, request ids, hash chain) still describes it.
	// sleep holds the FSM's lock (reads wait). error is not supported.
	SnapshotRestore = "snapshot-restore"
	// NATSPublishBefore is hit before a node publishes an applied batch to
	// NATS (its batch for watches and its per-event subjects). error: the
	// batch is not published, as if NATS lost it; the next batch names the
	// one before, so subscribers see the gap (watches refill from bbolt).
	NATSPublishBefore = "nats-publish-before"
)

// EnvVar names the environment variable that SetFromEnv reads:
// "name=action;name=action", e.g.
// "snapshot-restore=exit;fsync-slow=sleep(50ms)".
const EnvVar = "DROVER_FAILPOINTS"

// ExitCode is the status the exit action ends the process with: 128 + 9,
// what a shell reports for a SIGKILLed process.
const ExitCode = 137

var (
	// ErrInjected is wrapped by the error Inject returns for the error
	// action.
	ErrInjected = errors.New("injected failure")
	// ErrDisabled is returned by Set and SetFromEnv in a build without the
	// failpoints tag.
	ErrDisabled = errors.New("failpoints are not compiled in (build with -tags failpoints)")
	// ErrUnknownPoint is returned by Set for a name not among Points.
	ErrUnknownPoint = errors.New("unknown failpoint")
)

// Point is one point's state, as List reports it.
type Point struct {
	// Name is the point's name, one of the constants above.
	Name string `json:"name"`
	// Action is "off" or the action it is armed with, as given.
	Action string `json:"action"`
	// Fired counts the hits on which an action ran since the process
	// started.
	Fired uint64 `json:"fired"`
}

// pointInfo says what a point's site supports.
type pointInfo struct {
	name    string
	canFail bool // the site passes Inject's error on
}

// points lists every point, in the order List reports them.
var points = []pointInfo{
	{RaftLogAppendBefore, true},
	{FsyncSlow, true},
	{RaftLogAppendAfter, true},
	{FSMCommitBefore, false},
	{FSMCommitAfter, false},
	{SnapshotPersist, true},
	{SnapshotRestore, false},
	{NATSPublishBefore, true},
}

// Points returns the names of every point.
func Points() []string {
	names := make([]string, len(points))
	for i, p := range points {
		names[i] = p.name
	}
	return names
}

// kind is what an action does when it fires.
type kind uint8

const (
	kindOff kind = iota
	kindSleep
	kindPanic
	kindExit
	kindError
)

// action is a parsed action string.
type action struct {
	kind  kind
	sleep time.Duration
	pct   float64 // fire with this probability in percent; 100 always
	count int64   // fire this many times, then turn off; 0 without limit
	text  string  // as given, trimmed
}

// parseAction parses "off" or "[P%][N*]KIND" (see the package comment).
func parseAction(s string) (action, error) {
	a := action{pct: 100, text: strings.TrimSpace(s)}
	rest := a.text
	if rest == "off" {
		return a, nil
	}
	if p, r, ok := strings.Cut(rest, "%"); ok && !strings.Contains(p, "(") {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil || !(v > 0 && v <= 100) {
			return action{}, fmt.Errorf("action %q: want a probability 0 < P <= 100 before %%", s)
		}
		a.pct, rest = v, r
	}
	if n, r, ok := strings.Cut(rest, "*"); ok && !strings.Contains(n, "(") {
		v, err := strconv.ParseInt(n, 10, 64)
		if err != nil || v < 1 {
			return action{}, fmt.Errorf("action %q: want a count N >= 1 before *", s)
		}
		a.count, rest = v, r
	}
	switch {
	case rest == "panic":
		a.kind = kindPanic
	case rest == "exit":
		a.kind = kindExit
	case rest == "error":
		a.kind = kindError
	case strings.HasPrefix(rest, "sleep(") && strings.HasSuffix(rest, ")"):
		d, err := time.ParseDuration(rest[len("sleep(") : len(rest)-1])
		if err != nil || d < 0 {
			return action{}, fmt.Errorf("action %q: want sleep(D) with a duration D >= 0 such as 200ms", s)
		}
		a.kind, a.sleep = kindSleep, d
	default:
		return action{}, fmt.Errorf("action %q: want off or [P%%][N*]KIND with KIND sleep(D), panic, exit or error", s)
	}
	return a, nil
}

// check parses action for the point name.
func check(name, text string) (action, error) {
	for _, p := range points {
		if p.name != name {
			continue
		}
		a, err := parseAction(text)
		if err == nil && a.kind == kindError && !p.canFail {
			err = fmt.Errorf("failpoint %s cannot return an error; use sleep, panic or exit", name)
		}
		return a, err
	}
	return action{}, fmt.Errorf("%w %q (known: %s)", ErrUnknownPoint, name, strings.Join(Points(), ", "))
}

// setting is one "name=action" of EnvVar.
type setting struct{ name, action string }

// parseSpec splits "name=action;name=action" and checks every setting;
// empty elements are skipped.
func parseSpec(spec string) ([]setting, error) {
	var out []setting
	for _, part := range strings.Split(spec, ";") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		name, act, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%s: %q is not name=action", EnvVar, part)
		}
		s := setting{strings.TrimSpace(name), strings.TrimSpace(act)}
		if _, err := check(s.name, s.action); err != nil {
			return nil, fmt.Errorf("%s: %w", EnvVar, err)
		}
		out = append(out, s)
	}
	return out, nil
}

//go:build failpoints

package failpoint

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Enabled reports whether failpoints are compiled in: true in this build
// (-tags failpoints).
const Enabled = true

// armed is an armed point's action and how many fires it has left.
type armed struct {
	act  action
	left int64 // when act.count > 0
}

var (
	mu     sync.Mutex
	active = map[string]*armed{}
	fired  = map[string]uint64{}
	// anyArmed lets Inject return after one atomic load while every point
	// is off.
	anyArmed atomic.Bool
)

// Inject is called at the point name: while the point is armed it runs
// the action, returning the error for the error action and nil otherwise.
func Inject(name string) error {
	if !anyArmed.Load() {
		return nil
	}
	a, ok := take(name)
	if !ok {
		return nil
	}
	switch a.kind {
	case kindSleep:
		time.Sleep(a.sleep)
	case kindPanic:
		panic("failpoint " + name + ": panic")
	case kindExit:
		fmt.Fprintf(os.Stderr, "failpoint %s: exit\n", name)
		os.Exit(ExitCode)
	case kindError:
		return fmt.Errorf("failpoint %s: %w", name, ErrInjected)
	}
	return nil
}

// take decides whether an armed point fires on this hit, counting the
// fire and disarming the point when its count is used up.
func take(name string) (action, bool) {
	mu.Lock()
	defer mu.Unlock()
	p := active[name]
	if p == nil || (p.act.pct < 100 && rand.Float64()*100 >= p.act.pct) {
		return action{}, false
	}
	if p.act.count > 0 {
		if p.left--; p.left == 0 {
			disarm(name)
		}
	}
	fired[name]++
	return p.act, true
}

// disarm turns a point off; mu is held.
func disarm(name string) {
	delete(active, name)
	anyArmed.Store(len(active) > 0)
}

// Set arms the point name with an action (see the package comment), or
// turns it off with "off". An unknown name fails with ErrUnknownPoint; a
// malformed action, or error at a point that cannot return one, fails too.
func Set(name, act string) error {
	a, err := check(name, act)
	if err != nil {
		return err
	}
	mu.Lock()
	defer mu.Unlock()
	if a.kind == kindOff {
		disarm(name)
		return nil
	}
	active[name] = &armed{act: a, left: a.count}
	anyArmed.Store(true)
	return nil
}

// List returns every point's state, in a fixed order.
func List() []Point {
	mu.Lock()
	defer mu.Unlock()
	out := make([]Point, len(points))
	for i, p := range points {
		out[i] = Point{Name: p.name, Action: "off", Fired: fired[p.name]}
		if a := active[p.name]; a != nil {
			out[i].Action = a.act.text
		}
	}
	return out
}

// SetFromEnv arms the points named in EnvVar ("name=action;name=action").
// Nothing is set unless every setting is valid. An unset or empty variable
// changes nothing.
func SetFromEnv() error {
	settings, err := parseSpec(os.Getenv(EnvVar))
	if err != nil {
		return err
	}
	for _, s := range settings {
		if err := Set(s.name, s.action); err != nil {
			return err
		}
	}
	return nil
}

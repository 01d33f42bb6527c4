package harness

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// namedFaults are the faults `cluster-test run --nemesis` composes; each
// runs until its context ends.
var namedFaults = map[string]func(ctx context.Context, n *Nemesis) error{
	"kill-random":      killRandom,
	"kill-leader":      killLeaderEvery,
	"kill-all":         killAll,
	"isolate-leader":   isolateLeader,
	"isolate-follower": isolateFollower,
	"partition-halves": randomSplits,
	"bridge":           bridge,
	"one-way":          oneWay,
	"loss":             lossyLinks,
	"pause":            pauses,
	"partition-nats":   natsOnly,
	"partition-ports":  portPartitions,
	"rolling-restart":  rollingRestart,
	"transfer-leader":  transferEvery,
	"replace-member":   replaceMember,
	"grow-shrink":      growShrink,
	"slow-fsync":       slowFsync,
	"crash-points":     crashPoints,
}

// NemesisNames lists the names --nemesis accepts.
func NemesisNames() []string {
	var out []string
	for k := range namedFaults {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// NemesisScenario composes named faults into a scenario that runs them in
// turn, each for an equal share of the traffic, healing in between.
func NemesisScenario(names []string) (Scenario, error) {
	var runs []func(context.Context, *Nemesis) error
	for _, name := range names {
		f, ok := namedFaults[strings.TrimSpace(name)]
		if !ok {
			return Scenario{}, fmt.Errorf("unknown nemesis %q (known: %s)", name, strings.Join(NemesisNames(), ", "))
		}
		runs = append(runs, f)
	}
	return Scenario{Name: "nemesis " + strings.Join(names, ","), Run: func(ctx context.Context, n *Nemesis) error {
		deadline, ok := ctx.Deadline()
		if !ok {
			return fmt.Errorf("nemesis: the traffic phase has no deadline")
		}
		share := time.Until(deadline) / time.Duration(len(runs))
		for _, run := range runs {
			sctx, cancel := context.WithTimeout(ctx, share)
			err := run(sctx, n)
			cancel()
			if err == nil {
				err = n.Recover()
			}
			if err != nil {
				return err
			}
		}
		return nil
	}}, nil
}

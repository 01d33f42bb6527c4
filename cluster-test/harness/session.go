package harness

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/drover/drover/cluster-test/history"
	"github.com/drover/drover/cluster-test/netns"
)

// Options is one `cluster-test run`.
type Options struct {
	// Binary is the drover executable to test.
	Binary string
	Nodes  int
	// Scenario is the fault schedule.
	Scenario Scenario
	// Duration is how long traffic runs while faults are injected.
	Duration time.Duration
	Seed     uint64
	// OutDir receives histories, node logs and, on failure, data dirs and
	// porcupine's visualisation.
	OutDir string
	// Prefix names the network namespaces and links ("dt": dt-n1 ...).
	Prefix string
	// Keep keeps the nodes' data dirs even when every check passes.
	Keep bool
	// Log receives progress lines.
	Log io.Writer
}

// RunScenario sets up the network, runs the scenario, checks the results,
// saves the evidence and removes the network again. The report says
// whether every property held.
func RunScenario(ctx context.Context, o Options) (*Report, error) {
	if err := netns.CheckPrivileges(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return nil, err
	}
	cfg := netns.Config{Prefix: o.Prefix, Nodes: o.Nodes + o.Scenario.Spare}
	if o.Scenario.Delay {
		cfg.DelayPorts = []int{portRaft}
	}
	nw, err := netns.Setup(cfg)
	if err != nil {
		return nil, fmt.Errorf("network setup: %w", err)
	}
	defer nw.Teardown()
	run, err := Execute(ctx, RunConfig{Options: o, Network: nw, Obj: DefaultObjConfig, Watchers: 2})
	if err != nil {
		return nil, err
	}
	rep := run.Check()
	if err := run.save(rep); err != nil {
		return rep, err
	}
	if rep.Passed && !o.Keep {
		os.RemoveAll(filepath.Join(o.OutDir, "nodes", "data"))
	}
	return rep, nil
}

// save writes the histories, samples and report as JSON in the out dir.
func (r *Run) save(rep *Report) error {
	files := map[string]any{"history.json": r.Ops, "watches.json": r.Sessions, "samples.json": r.Samples,
		"timeline.json": r.Timeline, "replicas.json": r.Replicas, "informers.json": r.Informers, "nats.json": r.NATS, "report.json": rep}
	for name, v := range files {
		if err := writeJSON(filepath.Join(r.cfg.OutDir, name), v); err != nil {
			return err
		}
	}
	return nil
}

func writeJSON(path string, v any) error {
	if ops, ok := v.([]history.Operation); ok {
		return history.WriteJSON(path, ops)
	}
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

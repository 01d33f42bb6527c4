package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/drover/drover/cluster-test/harness"
	"github.com/drover/drover/cluster-test/netns"
)

// errFailed is returned when a property failed; main exits 1 for it.
var errFailed = errors.New("a property failed")

func rootCmd() *cobra.Command {
	root := &cobra.Command{Use: "cluster-test", Short: "Drover's chaos harness", SilenceUsage: true, SilenceErrors: true}
	root.AddCommand(runCmd(), scenariosCmd(), matrixCmd(), cleanupCmd())
	return root
}

// runFlags are the flags run and matrix share.
type runFlags struct {
	nodes    int
	scenario int
	nemesis  string
	duration time.Duration
	seed     uint64
	out      string
	drover   string
	tags     string
	prefix   string
	keep     bool
}

func (f *runFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.IntVar(&f.nodes, "nodes", 3, "cluster size: 3 or 5")
	fl.DurationVar(&f.duration, "duration", 60*time.Second, "how long traffic runs under faults")
	fl.Uint64Var(&f.seed, "seed", 0, "random seed (0: from the clock); the report prints it")
	fl.StringVar(&f.out, "out", "cluster-test-out", "directory for reports, histories, logs and evidence")
	fl.StringVar(&f.drover, "drover", "", "drover binary to test, built with -tags failpoints for scenarios 12 and 18 (default: build ./cmd/drover so)")
	fl.StringVar(&f.tags, "tags", "", "build tags for the drover build (e.g. chaosbug_stale_read plants a bug)")
	fl.StringVar(&f.prefix, "prefix", "dt", "prefix of the network namespaces and links this run creates")
	fl.BoolVar(&f.keep, "keep", false, "keep node data dirs even when every check passes")
}

func runCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run",
		Short: "run one scenario (--scenario N) or a nemesis list (--nemesis a,b) and check the results",
		RunE: func(cmd *cobra.Command, _ []string) error {
			sc, err := pickScenario(f.scenario, f.nemesis)
			if err != nil {
				return err
			}
			return runAll(cmd.Context(), f, []harness.Scenario{sc}, []int{f.nodes})
		},
	}
	f.register(cmd)
	cmd.Flags().IntVar(&f.scenario, "scenario", 0, "standard scenario number (see `cluster-test scenarios`)")
	cmd.Flags().StringVar(&f.nemesis, "nemesis", "", "comma-separated faults, run in turn: "+strings.Join(harness.NemesisNames(), ","))
	return cmd
}

func matrixCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "run every standard scenario on 3 and 5 nodes (or --nodes only) and summarise",
		RunE: func(cmd *cobra.Command, _ []string) error {
			sizes := []int{3, 5}
			if cmd.Flags().Changed("nodes") {
				sizes = []int{f.nodes}
			}
			return runAll(cmd.Context(), f, harness.Scenarios(), sizes)
		},
	}
	f.register(cmd)
	return cmd
}

func scenariosCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scenarios",
		Short: "list the standard scenarios of CHAOS.md",
		Run: func(cmd *cobra.Command, _ []string) {
			for _, s := range harness.Scenarios() {
				nodes := ""
				if s.Nodes != 0 {
					nodes = fmt.Sprintf(" [%d nodes]", s.Nodes)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%2d  %s%s\n", s.Num, s.Name, nodes)
			}
		},
	}
}

func cleanupCmd() *cobra.Command {
	var prefix string
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "remove the namespaces, links, rules and processes a crashed run left behind",
		RunE: func(*cobra.Command, []string) error {
			if err := netns.CheckPrivileges(); err != nil {
				return err
			}
			return netns.CleanupStale(prefix)
		},
	}
	cmd.Flags().StringVar(&prefix, "prefix", "dt", "prefix of the run to clean up")
	return cmd
}

// pickScenario resolves --scenario or --nemesis.
func pickScenario(num int, nemesis string) (harness.Scenario, error) {
	switch {
	case num != 0 && nemesis != "":
		return harness.Scenario{}, errors.New("give --scenario or --nemesis, not both")
	case num != 0:
		return harness.ScenarioByNum(num)
	case nemesis != "":
		return harness.NemesisScenario(strings.Split(nemesis, ","))
	}
	return harness.ScenarioByNum(1)
}

// runAll runs each scenario on each size and prints a summary line per run.
func runAll(ctx context.Context, f runFlags, scs []harness.Scenario, sizes []int) error {
	if err := netns.CheckPrivileges(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	bin, err := droverBinary(f)
	if err != nil {
		return err
	}
	if f.seed == 0 {
		f.seed = uint64(time.Now().UnixNano() % 1e9)
	}
	var summary []string
	failed := false
	for _, sc := range scs {
		for _, n := range sizes {
			if sc.Nodes != 0 && len(sizes) > 1 && n != sc.Nodes {
				continue
			}
			out := filepath.Join(f.out, fmt.Sprintf("%s-s%02d-n%d", time.Now().Format("20060102-150405"), sc.Num, n))
			rep, err := harness.RunScenario(ctx, harness.Options{Binary: bin, Nodes: n, Scenario: sc, Duration: f.duration,
				Seed: f.seed, OutDir: out, Prefix: f.prefix, Keep: f.keep, Log: os.Stderr})
			if ctx.Err() != nil {
				return ctx.Err()
			}
			line := fmt.Sprintf("scenario %2d, %d nodes: ", sc.Num, n)
			switch {
			case err != nil:
				line += "ERROR " + err.Error()
				failed = true
			default:
				rep.Print(os.Stdout)
				line += rep.Summary()
				failed = failed || !rep.Passed
			}
			summary = append(summary, line)
		}
	}
	if len(summary) > 1 {
		fmt.Println("\nSummary:")
		for _, l := range summary {
			fmt.Println("  " + l)
		}
	}
	if failed {
		return errFailed
	}
	return nil
}

// droverBinary returns --drover, or builds ./cmd/drover (with --tags).
func droverBinary(f runFlags) (string, error) {
	if f.drover != "" {
		return filepath.Abs(f.drover)
	}
	if err := os.MkdirAll(f.out, 0o755); err != nil {
		return "", err
	}
	bin, err := filepath.Abs(filepath.Join(f.out, "drover-failpoints"+tagSuffix(f.tags)))
	if err != nil {
		return "", err
	}
	// Failpoints cost one atomic load while disarmed; scenarios arm them
	// over HTTP.
	args := []string{"build", "-o", bin, "-tags", strings.Trim("failpoints,"+f.tags, ",")}
	cmd := exec.Command("go", append(args, "github.com/drover/drover/cmd/drover")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building drover: %w", err)
	}
	return bin, nil
}

func tagSuffix(tags string) string {
	if tags == "" {
		return ""
	}
	return "-" + strings.NewReplacer(",", "-", " ", "-").Replace(tags)
}

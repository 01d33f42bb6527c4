package main

import "github.com/spf13/cobra"

// newRootCmd builds the drover command tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "drover",
		Short:         "Drover: a self-contained container control plane",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newNodeCmd())
	root.AddCommand(newApplyCmd(), newGetCmd(), newDeleteCmd(), newDescribeCmd(), newBenchCmd())
	root.AddCommand(newClusterCmd())
	root.AddCommand(newDisasterCmds()...)
	return root
}

package main

import "github.com/spf13/cobra"

// newNodeCmd builds `drover node`, which runs one control-plane peer.
func newNodeCmd() *cobra.Command {
	return &cobra.Command{Use: "node", Short: "Run a Drover control-plane node"}
}

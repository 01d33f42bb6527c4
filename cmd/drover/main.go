// Command drover is the single Drover binary: a control-plane node
// (`drover node`) and the client commands (apply, get, delete, describe,
// bench).
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

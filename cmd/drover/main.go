// Command drover is the single Drover binary: a control-plane node
// (`drover node`) and the client commands (apply, get, delete, describe,
// bench).
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "error:", errorMessage(err))
		}
		os.Exit(1)
	}
}

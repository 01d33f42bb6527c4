package netns

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// TeardownOnSignal tears the network down and exits with status 128+signal
// when the process gets SIGINT or SIGTERM, until stop is called. Callers
// with their own shutdown path should handle signals themselves and call
// Teardown instead.
func (n *Net) TeardownOnSignal() (stop func()) {
	sigc := make(chan os.Signal, 1)
	done := make(chan struct{})
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case sig := <-sigc:
			code := 128 + int(sig.(syscall.Signal))
			if err := n.Teardown(); err != nil {
				fmt.Fprintf(os.Stderr, "netns: teardown on %v: %v\n", sig, err)
			}
			os.Exit(code)
		case <-done:
		}
	})
	var once sync.Once
	return func() {
		once.Do(func() {
			signal.Stop(sigc)
			close(done)
			wg.Wait()
		})
	}
}

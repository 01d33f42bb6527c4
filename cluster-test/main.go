// Command cluster-test is Drover's chaos harness: it runs real `drover
// node` processes in network namespaces, injects faults (partitions, kills,
// pauses, loss), records what its clients and watchers saw, and checks the
// properties of ../shared/CHAOS.md (linearizability, durability, watch
// guarantees, replica agreement, one leader per term, availability).
//
//	go run ./cluster-test scenarios
//	go run ./cluster-test run --nodes 3 --scenario 5 --duration 60s --seed 1
//	go run ./cluster-test run --nemesis kill-leader,isolate-leader --duration 90s
//	go run ./cluster-test matrix            # every standard scenario, 3 and 5 nodes
//	go run ./cluster-test cleanup           # remove what a crashed run left behind
//
// It needs root (network namespaces, iptables). Exit status 1 means a
// property failed; the report names the evidence.
package main

import (
	"errors"
	"fmt"
	"os"
)

func main() {
	err := rootCmd().Execute()
	switch {
	case err == nil:
	case errors.Is(err, errFailed):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "cluster-test:", err)
		os.Exit(2)
	}
}

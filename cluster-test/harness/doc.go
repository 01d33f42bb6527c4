// Package harness runs cluster-test: it starts real `drover node`
// processes, each in its own network namespace, drives recorded workloads
// against them through the client library while a nemesis injects faults,
// then checks the histories (packages checker/linear and checker/replay)
// and the replicas (hash chains, leaders per term) and writes a report.
//
// A run goes: set up the network and the nodes, wait for a leader, create
// the test namespace, start the workloads, play the scenario's faults,
// heal, restart stopped nodes, make a final write that must succeed, wait
// until every node has applied everything, collect, check, report.
package harness

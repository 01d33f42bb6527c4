// Package netns is the network layer of the chaos harness: it builds a
// private network of Linux network namespaces for a cluster of drover node
// processes, injects faults between them with iptables, and removes
// everything it made.
//
// Topology, for prefix "dt" and three nodes:
//
//	dt-br   holds bridge br0 and one veth end per member (n1..nN, c)
//	dt-n1   eth0 10.77.0.11/24, lo      (node i: host 10+i)
//	dt-n2   eth0 10.77.0.12/24, lo
//	dt-n3   eth0 10.77.0.13/24, lo
//	dt-c    eth0 10.77.0.100/24, lo     (the harness's clients)
//
// Nothing is routed from the host namespace, and the addresses exist only
// inside these namespaces. Links are created directly inside the bridge
// namespace, so they never appear in the host namespace either.
//
// Faults live in a chain, DROVER-FAULTS, hooked from INPUT and OUTPUT in
// every member namespace; Heal flushes just that chain. A dropped packet is
// dropped by its receiver (the sender sees silence, as on a real network);
// a rejected one is refused by its sender's own kernel (TCP gets a reset at
// once, UDP an error). Faults only ever name node addresses, so the client
// namespace keeps reaching every node unless IsolateFromClients says
// otherwise.
//
// With Config.DelayPorts, a TCP proxy in this process sits between the
// nodes for connections to those ports (nat REDIRECT in each node
// namespace), and SetDelay and SetLinkDelay slow it down; Heal resets the
// delays.
//
// Setup writes a state file under StateDir naming what it made; Teardown
// removes it all, and CleanupStale, called first by Setup, removes what a
// crashed run left behind. Signals are the caller's business, or
// TeardownOnSignal's. Every operation needs root (CAP_NET_ADMIN and
// CAP_SYS_ADMIN) and the ip, iptables and iptables-restore commands;
// CheckPrivileges says clearly what is missing.
//
// See DESIGN.md for the choices behind this.
package netns

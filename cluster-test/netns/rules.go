package netns

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Chain is the iptables chain holding every fault rule in a member
// namespace, jumped to first from INPUT and OUTPUT.
const Chain = "DROVER-FAULTS"

// ensureChain creates the fault chain and its hooks in namespace ns where
// they are missing; running it twice changes nothing.
func ensureChain(ns string) error {
	out, err := iptables(ns, "-S")
	if err != nil {
		return err
	}
	have := strings.Split(out, "\n")
	var b strings.Builder
	if !slices.Contains(have, "-N "+Chain) {
		fmt.Fprintf(&b, ":%s - [0:0]\n", Chain)
	}
	for _, hook := range []string{"INPUT", "OUTPUT"} {
		if !slices.Contains(have, "-A "+hook+" -j "+Chain) {
			fmt.Fprintf(&b, "-I %s 1 -j %s\n", hook, Chain)
		}
	}
	if b.Len() == 0 {
		return nil
	}
	return iptablesRestore(ns, "*filter\n"+b.String()+"COMMIT\n")
}

// ruleSet collects fault rules (iptables-restore lines) per namespace.
type ruleSet map[string][]string

// cut adds the rules that stop scoped packets from one endpoint reaching
// another, each with the given probability (1 for all). Dropped packets
// are dropped by the receiver, so the sender sees silence; rejected ones
// are refused by the sender's kernel: a TCP reset, or an ICMP error (the
// sending call fails) for everything else.
func (rs ruleSet) cut(from, to endpoint, sc Scope, prob float64) {
	ns, match := to.ns, "-s "+from.ip.String()
	if sc.Reject {
		ns, match = from.ns, "-d "+to.ip.String()
	}
	for _, sel := range sc.selectors() {
		line := fmt.Sprintf("-A %s %s%s%s %s", Chain, match, sel, statistic(prob), sc.target(sel))
		rs[ns] = append(rs[ns], line)
	}
}

// statistic is the match for random loss with probability p, or nothing.
func statistic(p float64) string {
	if p >= 1 {
		return ""
	}
	return " -m statistic --mode random --probability " + strconv.FormatFloat(p, 'f', 6, 64)
}

// apply appends the rules to each namespace's chain, the namespaces in
// parallel, each in one commit.
func (rs ruleSet) apply() error {
	return parallel(slices.Collect(maps.Keys(rs)), func(ns string) error {
		return iptablesRestore(ns, "*filter\n"+strings.Join(rs[ns], "\n")+"\nCOMMIT\n")
	})
}

// parallel runs fn on every namespace at once and joins the errors.
func parallel(namespaces []string, fn func(ns string) error) error {
	errs := make([]error, len(namespaces))
	var wg sync.WaitGroup
	for i, ns := range namespaces {
		wg.Go(func() { errs[i] = fn(ns) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// flush removes every fault rule in namespace ns.
func flush(ns string) error {
	_, err := iptables(ns, "-F", Chain)
	return err
}

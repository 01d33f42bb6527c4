package linear

import (
	"fmt"
	"sort"

	"github.com/drover/drover/cluster-test/history"
)

// revPoint is a call that fixes a global revision: a write that took
// effect at rev, or a list at the latest revision that read at rev.
type revPoint struct {
	c     *call
	rev   uint64
	write bool
}

// checkRevisionOrder is a quick necessary condition of the model, checked
// before porcupine for a precise message: revisions follow real time. A
// write that begins after a write or list returned has a higher revision;
// a list that begins after one returned reads at no lower a revision. It
// returns "" or what broke the rule.
func checkRevisionOrder(calls []*call) string {
	pts := revPoints(calls)
	byInvoke := append([]revPoint(nil), pts...)
	sort.Slice(byInvoke, func(i, j int) bool { return byInvoke[i].c.invoke < byInvoke[j].c.invoke })
	sort.Slice(pts, func(i, j int) bool { return pts[i].c.ret < pts[j].c.ret })
	var done *revPoint
	j := 0
	for _, p := range byInvoke {
		for ; j < len(pts) && pts[j].c.ret < p.c.invoke; j++ {
			if done == nil || pts[j].rev > done.rev {
				done = &pts[j]
			}
		}
		if done != nil && (p.rev < done.rev || p.write && p.rev == done.rev) {
			return fmt.Sprintf("%s began after %s returned, yet its revision %d is not above %d",
				describeOp(p.c.op), describeOp(done.c.op), p.rev, done.rev)
		}
	}
	return ""
}

// revPoints collects the calls that fix a revision.
func revPoints(calls []*call) []revPoint {
	var pts []revPoint
	for _, c := range calls {
		switch {
		case c.effect == applied:
			pts = append(pts, revPoint{c: c, rev: c.rv, write: true})
		case c.effect == read && c.kind == history.List:
			pts = append(pts, revPoint{c: c, rev: c.revision})
		}
	}
	return pts
}

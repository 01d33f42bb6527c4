package linear

import "github.com/drover/drover/cluster-test/history"

// goneObs is one observation that an object's versions up to upto, except
// keep (its current one), are gone for good: resourceVersions of an
// object only grow, so a version once replaced never comes back.
type goneObs struct {
	upto, keep uint64
	ret        int64
}

// goneIndex bounds when an update or delete with precondition P could
// still apply: only while the object's version P existed. An ok,
// non-stale operation that showed the object past version P (a get or
// write at a higher resourceVersion, a list at a revision >= P showing
// another version or none) proves version P gone by its return.
type goneIndex map[string][]goneObs

// newGoneIndex collects the observations of ops about objects names.
func newGoneIndex(ops []history.Operation, names []string) goneIndex {
	g := goneIndex{}
	for _, n := range names {
		g[n] = nil
	}
	for i := range ops {
		op := &ops[i]
		if op.Outcome != history.OK || op.Stale {
			continue
		}
		switch {
		case op.Kind == history.List:
			g.addList(op)
		case op.Result != nil:
			g[op.Name] = append(g[op.Name], goneObs{upto: op.Result.Revision - 1, keep: op.Result.Revision, ret: op.Return})
		}
	}
	return g
}

// addList records that at the list's revision every object showed only
// its listed version (absent ones none).
func (g goneIndex) addList(op *history.Operation) {
	listed := map[string]uint64{}
	for _, it := range op.Items {
		listed[it.Name] = it.Revision
	}
	for name := range g {
		g[name] = append(g[name], goneObs{upto: op.Revision, keep: listed[name], ret: op.Return})
	}
}

// goneBy is the earliest time version pre of object name is known gone,
// or horizon.
func (g goneIndex) goneBy(name string, pre uint64, horizon int64) int64 {
	t := horizon
	for _, o := range g[name] {
		if pre <= o.upto && pre != o.keep {
			t = min(t, o.ret)
		}
	}
	return t
}

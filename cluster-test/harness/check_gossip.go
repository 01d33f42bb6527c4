package harness

import (
	"fmt"
	"strings"
	"time"
)

// pauseBudget is the longest pause gossip must tolerate without declaring
// a member dead (CHAOS.md P13: shorter than the suspicion budget; Drover's
// is about 6 s at 3 nodes).
const pauseBudget = 3 * time.Second

// checkGossip is P13: after healing, every node sees every member alive;
// a pause shorter than pauseBudget never gets the paused node marked dead.
func (r *Run) checkGossip() Verdict {
	const prop = "P13 gossip"
	var problems []string
	members := r.c.Members()
	for _, i := range members {
		s, ok := r.smp.latestOf(i)
		if !ok {
			problems = append(problems, r.c.ID(i)+": no status")
			continue
		}
		for _, j := range members {
			if st := s.Gossip[r.c.ID(j)]; st != "alive" {
				problems = append(problems, fmt.Sprintf("%s sees %s as %q at the end", r.c.ID(i), r.c.ID(j), st))
			}
		}
	}
	problems = append(problems, r.shortPausesMarkedDead()...)
	if len(problems) > 0 {
		return fail(prop, strings.Join(firstN(problems, 4), "; "))
	}
	return pass(prop, "every node sees every member alive at the end; no short pause marked a member dead")
}

// shortPausesMarkedDead lists short pauses during (or just after) which a
// node reported the paused one dead.
func (r *Run) shortPausesMarkedDead() []string {
	var out []string
	for _, f := range r.Timeline {
		if f.Kind != "pause" || f.End == 0 || time.Duration(f.End-f.Start) > pauseBudget {
			continue
		}
		id := r.c.ID(f.Nodes[0])
		for _, s := range r.Samples {
			if s.T >= f.Start && s.T <= f.End+int64(2*time.Second) && s.Gossip[id] == "dead" {
				out = append(out, fmt.Sprintf("%s marked %s dead during a %.1fs pause", r.c.ID(s.Node), id,
					time.Duration(f.End-f.Start).Seconds()))
				break
			}
		}
	}
	return out
}

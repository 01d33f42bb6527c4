package netns

import (
	"testing"
)

// Successive 2/3 splits of five nodes, healed in between (cluster-test's
// scenario 6): each split cuts exactly the pairs across it, and every pair
// on one side still connects.
func TestSuccessiveSplits(t *testing.T) {
	n := setupNet(t, "nssplit", 5)
	for i := 1; i <= 5; i++ {
		serveTCP(t, n, i, PortRaft)
	}
	splits := [][2][]int{
		{{2, 1}, {3, 5, 4}}, {{3, 2}, {5, 4, 1}}, {{5, 2}, {1, 3, 4}}, {{2, 5}, {4, 1, 3}},
		{{3, 1}, {5, 2, 4}}, {{1, 5}, {4, 3, 2}}, {{2, 1}, {3, 4, 5}},
	}
	for _, s := range splits {
		if err := n.Partition(Scope{}, s[0], s[1]); err != nil {
			t.Fatal(err)
		}
		side := map[int]int{}
		for g, nodes := range s {
			for _, i := range nodes {
				side[i] = g
			}
		}
		for a := 1; a <= 5; a++ {
			for b := 1; b <= 5; b++ {
				switch {
				case a == b:
				case side[a] == side[b]:
					mustConnect(t, n, a, b, PortRaft)
				default:
					mustNotConnect(t, n, a, b, PortRaft)
				}
			}
		}
		if err := n.Heal(); err != nil {
			t.Fatal(err)
		}
		checkHealed(t, n)
	}
}

package node

import (
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/hashicorp/memberlist"
)

func serverPeer(id string, expect int, member bool, state memberlist.NodeStateType) peerState {
	return peerState{ID: id, State: state,
		Meta: gossipMeta{Role: roleServer, Raft: id + ":7701", Expect: expect, Member: member}}
}

func forming(p peerState) peerState {
	p.Meta.Forming = true
	return p
}

func TestBootstrapPeers(t *testing.T) {
	alive, dead := memberlist.StateAlive, memberlist.StateDead
	cases := []struct {
		name    string
		servers []peerState
		want    string
		err     error
	}{
		{"too few", []peerState{serverPeer("a", 3, false, alive), serverPeer("b", 3, false, alive)}, "", errTooFewPeers},
		{"dead ones do not count", []peerState{serverPeer("a", 3, false, alive), serverPeer("b", 3, false, alive),
			serverPeer("c", 3, false, dead)}, "", errTooFewPeers},
		{"exactly enough", []peerState{serverPeer("a", 3, false, alive), serverPeer("b", 3, false, alive),
			serverPeer("c", 3, false, alive)}, "a,b,c", nil},
		{"more than expected all vote", []peerState{serverPeer("a", 3, false, alive), serverPeer("b", 3, false, alive),
			serverPeer("c", 3, false, alive), serverPeer("d", 3, false, alive)}, "a,b,c,d", nil},
		{"disagreement", []peerState{serverPeer("a", 3, false, alive), serverPeer("b", 5, false, alive),
			serverPeer("c", 3, false, alive)}, "", errExpectMismatch},
		{"existing cluster", []peerState{serverPeer("a", 3, false, alive), serverPeer("b", 0, true, alive),
			serverPeer("c", 3, false, alive)}, "", errExistingCluster},
		{"another peer forming", []peerState{serverPeer("a", 3, false, alive), forming(serverPeer("b", 3, false, alive)),
			serverPeer("c", 3, false, alive)}, "", errOtherForming},
		{"its own announcement does not count", []peerState{forming(serverPeer("a", 3, false, alive)),
			serverPeer("b", 3, false, alive), serverPeer("c", 3, false, alive)}, "a,b,c", nil},
	}
	for _, c := range cases {
		peers, err := bootstrapPeers(c.servers, 3, "a")
		if !errors.Is(err, c.err) || (err == nil && peerIDs(peers) != c.want) {
			t.Errorf("%s: got %q, %v; want %q, %v", c.name, peerIDs(peers), err, c.want, c.err)
		}
	}
}

// memberlist reports a failure and a departure alike; the Leaving flag a
// departing peer sets first tells them apart.
func TestGossipRecordTellsLeftFromDead(t *testing.T) {
	g := &gossip{self: "me", logger: slog.New(slog.NewTextHandler(io.Discard, nil)), peers: map[string]*peerState{}, changed: make(chan struct{})}
	changed := g.changes()
	g.NotifyJoin(&memberlist.Node{Name: "a", Meta: []byte(`{"role":"server"}`)})
	g.NotifyJoin(&memberlist.Node{Name: "b", Meta: []byte(`{"role":"server"}`)})
	select {
	case <-changed:
	default:
		t.Fatal("a join did not signal a change")
	}
	g.NotifyUpdate(&memberlist.Node{Name: "b", Meta: []byte(`{"role":"server","leaving":true}`)})
	g.NotifyLeave(&memberlist.Node{Name: "a", Meta: []byte(`{"role":"server"}`)})
	g.NotifyLeave(&memberlist.Node{Name: "b", Meta: []byte(`{"role":"server","leaving":true}`)})
	if p, _ := g.peer("a"); p.State != memberlist.StateDead {
		t.Errorf("a: %s, want dead", gossipStateName(p.State))
	}
	if p, _ := g.peer("b"); p.State != memberlist.StateLeft {
		t.Errorf("b: %s, want left", gossipStateName(p.State))
	}
	g.NotifyJoin(&memberlist.Node{Name: "a", Meta: []byte(`{"role":"server"}`)})
	if p, _ := g.peer("a"); p.State != memberlist.StateAlive {
		t.Errorf("a after rejoining: %s, want alive", gossipStateName(p.State))
	}
}

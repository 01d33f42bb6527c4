package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// membershipTimeout is the default --timeout of remove and leave: a leave
// hands leadership over and waits for a new leader before the removal.
const membershipTimeout = 30 * time.Second

// probeTimeout bounds the status probe of one member.
const probeTimeout = 3 * time.Second

// newClusterCmd builds `drover cluster`.
func newClusterCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "cluster", Short: "Show and change the control-plane members"}
	cmd.AddCommand(newClusterMembersCmd(), newClusterRemoveCmd(), newClusterLeaveCmd(), newClusterTransferLeaderCmd())
	return cmd
}

func newClusterMembersCmd() *cobra.Command {
	o := &clientOpts{}
	var output string
	cmd := &cobra.Command{
		Use:   "members",
		Short: "List the Raft members, as the leader sees them",
		Long: `List the Raft members, as the leader sees them. Each member's API is asked
for its own status: -o wide adds its applied index and term; a member whose
API does not answer is marked unreachable.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != outTable && output != outWide && output != outJSON {
				return fmt.Errorf("unknown output format %q (want wide or json)", output)
			}
			v, err := o.members(cmd.Context())
			if err != nil {
				return err
			}
			if output == outJSON {
				return printMembersJSON(cmd.OutOrStdout(), v)
			}
			printMembers(cmd.OutOrStdout(), v, output == outWide)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: wide or json")
	o.addClientFlags(cmd.Flags())
	return cmd
}

func newClusterRemoveCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a member (not the leader: run leave on it) from the cluster",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := o.call(cmd.Context(), func(ctx context.Context, cl *client.Client) error {
				_, err := cl.RemoveMember(ctx, args[0])
				return err
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "member %q removed\n", args[0])
			return nil
		},
	}
	addMembershipClientFlags(o, cmd)
	return cmd
}

func newClusterLeaveCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "leave",
		Short: "Remove the node at the first --server endpoint from the cluster",
		Long: `Remove the node at the first --server endpoint from the cluster. If it leads,
it hands leadership to another voter first. Once removed it stops serving
its API; stop its process then.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := o.callCtx(cmd.Context())
			defer cancel()
			eps := client.ParseEndpoints(o.server)
			if len(eps) == 0 {
				return errors.New("--server: no endpoint given")
			}
			who := eps[0]
			if st, err := statusOf(ctx, eps[0]); err == nil {
				who = fmt.Sprintf("node %s (%s)", st.Id, eps[0])
			}
			cl, err := client.New(eps[:1])
			if err != nil {
				return err
			}
			defer cl.Close()
			st, err := cl.Leave(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s left the cluster; the leader is now %s (%s)\n",
				who, orDefault(st.LeaderId, "<none>"), orDefault(st.LeaderApiAddr, "<unknown>"))
			return nil
		},
	}
	addMembershipClientFlags(o, cmd)
	return cmd
}

func newClusterTransferLeaderCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "transfer-leader [ID]",
		Short: "Move leadership to voter ID, or to the most up-to-date other voter",
		Long: `Move Raft leadership to the voter ID, or, without an ID, to the most
up-to-date other voter, and wait until the new leader is elected. Any
member takes the request and forwards it to the leader. Writes pause for
the hand-over (typically a few milliseconds to a second) and are served by
the new leader; none fail. An unknown ID, a non-voter, or the leader
itself is refused and leaves the leader unchanged.`,
		Example: `  drover cluster transfer-leader n2
  drover cluster transfer-leader --server 127.0.0.1:7001,127.0.0.1:7002`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			to := ""
			if len(args) == 1 {
				to = args[0]
			}
			var st *pb.StatusResponse
			err := o.call(cmd.Context(), func(ctx context.Context, cl *client.Client) (err error) {
				st, err = cl.TransferLeadership(ctx, to)
				return err
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "leadership moved from %s to %s (%s)\n",
				st.Id, orDefault(st.LeaderId, "<none>"), orDefault(st.LeaderApiAddr, "<unknown>"))
			return nil
		},
	}
	addMembershipClientFlags(o, cmd)
	return cmd
}

// addMembershipClientFlags registers --server and --timeout, the latter
// with the longer default membership changes need.
func addMembershipClientFlags(o *clientOpts, cmd *cobra.Command) {
	o.addClientFlags(cmd.Flags())
	o.timeout = membershipTimeout
	cmd.Flags().Lookup("timeout").DefValue = membershipTimeout.String()
}

// membersView is what `cluster members` shows: the leader's configuration
// and each member's own status, when its API answered.
type membersView struct {
	Leader  string       `json:"leader"`
	Term    uint64       `json:"term"`
	Members []memberView `json:"members"`
}

type memberView struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raftAddr"`
	APIAddr  string `json:"apiAddr,omitempty"`
	Suffrage string `json:"suffrage"`
	State    string `json:"state"`
	// Gossip is the member's gossip state as the leader sees it (alive,
	// suspect, dead, left), empty when unknown.
	Gossip     string `json:"gossip,omitempty"`
	GossipAddr string `json:"gossipAddr,omitempty"`
	Reachable  bool   `json:"reachable"`
	// Own is the member's own status; nil when unreachable.
	Own *memberStatus `json:"status,omitempty"`
}

type memberStatus struct {
	State        string `json:"state"`
	Term         uint64 `json:"term"`
	LeaderID     string `json:"leaderId"`
	AppliedIndex uint64 `json:"appliedIndex"`
	CommitIndex  uint64 `json:"commitIndex"`
	// LastContactMs is how long ago the member heard from the leader (0 on
	// the leader, -1 never).
	LastContactMs int64 `json:"lastContactMs"`
}

// members asks every endpoint for its status, takes the leader's view of
// the configuration, and probes the members no endpoint covered.
func (o *clientOpts) members(ctx context.Context) (*membersView, error) {
	eps := client.ParseEndpoints(o.server)
	byAddr := probeAll(ctx, eps)
	view, err := leaderView(ctx, eps, byAddr)
	if err != nil {
		return nil, err
	}
	byID := map[string]*probe{}
	for _, p := range byAddr {
		if p.st != nil {
			byID[p.st.Id] = p
		}
	}
	var more []string
	for _, m := range view.Members {
		if _, ok := byID[m.Id]; !ok && m.ApiAddr != "" && byAddr[m.ApiAddr] == nil {
			more = append(more, m.ApiAddr)
		}
	}
	for addr, p := range probeAll(ctx, more) {
		byAddr[addr] = p
	}
	return buildView(view, byID, byAddr), nil
}

// probe is one endpoint's answer to Status.
type probe struct {
	addr string
	st   *pb.StatusResponse
	err  error
}

// probeAll asks each address for its own status, in parallel.
func probeAll(ctx context.Context, addrs []string) map[string]*probe {
	out := map[string]*probe{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &probe{addr: a}
			p.st, p.err = statusOf(ctx, a)
			mu.Lock()
			out[a] = p
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func statusOf(ctx context.Context, addr string) (*pb.StatusResponse, error) {
	cl, err := client.New([]string{addr})
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	return cl.StatusOf(ctx, 0)
}

// leaderView returns the leader's own status: from an endpoint that leads
// (the highest term if several claim to), else from the leader an endpoint
// names, else the first answer (no leader known).
func leaderView(ctx context.Context, eps []string, byAddr map[string]*probe) (*pb.StatusResponse, error) {
	var best, first *pb.StatusResponse
	var lastErr error
	for _, ep := range eps {
		p := byAddr[ep]
		switch {
		case p.err != nil:
			lastErr = p.err
		case p.st.State == "Leader" && (best == nil || p.st.Term > best.Term):
			best = p.st
		case first == nil:
			first = p.st
		}
	}
	if best != nil {
		return best, nil
	}
	if first == nil {
		return nil, lastErr
	}
	if first.LeaderApiAddr != "" {
		if st, err := statusOf(ctx, first.LeaderApiAddr); err == nil && st.State == "Leader" {
			return st, nil
		}
	}
	return first, nil
}

// buildView joins the leader's configuration with each member's answer.
func buildView(leader *pb.StatusResponse, byID map[string]*probe, byAddr map[string]*probe) *membersView {
	v := &membersView{Leader: leader.LeaderId, Term: leader.Term}
	for _, m := range leader.Members {
		mv := memberView{ID: m.Id, RaftAddr: m.RaftAddr, APIAddr: m.ApiAddr, Suffrage: m.Suffrage, State: "follower",
			Gossip: m.Gossip, GossipAddr: m.GossipAddr}
		switch {
		case m.Id == leader.LeaderId:
			mv.State = "leader"
		case m.Suffrage == "None":
			mv.State = "not in raft"
		}
		p := byID[m.Id]
		if p == nil && m.ApiAddr != "" {
			p = byAddr[m.ApiAddr]
		}
		if p != nil && p.st != nil && p.st.Id == m.Id {
			mv.APIAddr, mv.Reachable = p.addr, true
			mv.Own = &memberStatus{State: p.st.State, Term: p.st.Term, LeaderID: p.st.LeaderId,
				AppliedIndex: p.st.AppliedIndex, CommitIndex: p.st.CommitIndex, LastContactMs: p.st.LastContactMs}
		}
		v.Members = append(v.Members, mv)
	}
	sort.Slice(v.Members, func(i, j int) bool { return v.Members[i].ID < v.Members[j].ID })
	return v
}

// printMembers prints the members table; -o wide adds each member's
// gossip address and its own applied index, term and last contact.
func printMembers(w io.Writer, v *membersView, wide bool) {
	header := []string{"ID", "RAFT ADDRESS", "API ADDRESS", "SUFFRAGE", "STATE", "GOSSIP"}
	if wide {
		header = append(header, "GOSSIP ADDRESS", "APPLIED INDEX", "TERM", "LAST CONTACT")
	}
	lines := [][]string{header}
	for _, m := range v.Members {
		lines = append(lines, memberRow(m, wide))
	}
	p := &printer{out: w}
	p.widen(lines)
	for _, cells := range lines {
		p.writeLine(cells)
	}
}

func memberRow(m memberView, wide bool) []string {
	state := m.State
	if !m.Reachable && m.APIAddr != "" {
		state += ",unreachable"
	}
	row := []string{m.ID, m.RaftAddr, orDefault(m.APIAddr, "<unknown>"), m.Suffrage, state, orNone(m.Gossip)}
	if !wide {
		return row
	}
	row = append(row, orNone(m.GossipAddr))
	if m.Own == nil {
		return append(row, "<unknown>", "<unknown>", "<unknown>")
	}
	return append(row, strconv.FormatUint(m.Own.AppliedIndex, 10), strconv.FormatUint(m.Own.Term, 10),
		lastContact(m.Own.LastContactMs))
}

func printMembersJSON(w io.Writer, v *membersView) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// lastContact renders how long ago a member heard from the leader.
func lastContact(ms int64) string {
	switch {
	case ms < 0:
		return "never"
	case ms == 0:
		return "-"
	}
	return (time.Duration(ms) * time.Millisecond).String() + " ago"
}

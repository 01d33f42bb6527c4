package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/drover/drover/client"
	"github.com/drover/drover/node"
	"github.com/drover/drover/raftstore"
)

// snapshotTimeout is the default --timeout of snapshot save: the whole
// state is streamed.
const snapshotTimeout = 10 * time.Minute

// newSnapshotCmd builds `drover snapshot`.
func newSnapshotCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "snapshot", Short: "Save the cluster's state to a file, or restore a new cluster from one"}
	cmd.AddCommand(newSnapshotSaveCmd(), newSnapshotRestoreCmd())
	return cmd
}

// newDisasterCmds returns the commands root registers: snapshot and recover.
func newDisasterCmds() []*cobra.Command {
	return []*cobra.Command{newSnapshotCmd(), newRecoverCmd()}
}

func newSnapshotSaveCmd() *cobra.Command {
	o := &clientOpts{}
	cmd := &cobra.Command{
		Use:   "save FILE",
		Short: "Save a consistent copy of the whole state to FILE",
		Long: `Save a consistent copy of the whole state to FILE. The leader takes it after a
linearizable read barrier, so it holds every write acknowledged before the
command started. FILE.sha256 gets its checksum and revision.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, cancel := o.callCtx(cmd.Context())
			defer cancel()
			rev, n, sum, err := saveSnapshot(ctx, client.ParseEndpoints(o.server), args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "saved revision %d (%d bytes, sha256 %s)\n", rev, n, sum)
			return nil
		},
	}
	o.addClientFlags(cmd.Flags())
	o.timeout = snapshotTimeout
	cmd.Flags().Lookup("timeout").DefValue = snapshotTimeout.String()
	return cmd
}

// saveSnapshot streams a snapshot into path (through path.tmp), checks it
// and writes path.sha256. An endpoint that answers Unavailable before any
// data makes it try the next, sweeping until ctx ends.
func saveSnapshot(ctx context.Context, endpoints []string, path string) (rev uint64, n int64, sum string, err error) {
	if len(endpoints) == 0 {
		return 0, 0, "", errors.New("--server: no endpoint given")
	}
	for attempt := 0; ; attempt++ {
		rev, n, sum, err = saveFrom(ctx, endpoints[attempt%len(endpoints)], path)
		if err == nil || status.Code(err) != codes.Unavailable {
			break
		}
		if (attempt+1)%len(endpoints) == 0 && !sleepCtx(ctx, 200*time.Millisecond) {
			break
		}
	}
	if err != nil {
		return 0, 0, "", err
	}
	if err := writeChecksumFile(path, sum, rev); err != nil {
		return 0, 0, "", err
	}
	return rev, n, sum, nil
}

// saveFrom receives one endpoint's stream into path.tmp, verifies it and
// renames it to path.
func saveFrom(ctx context.Context, endpoint, path string) (rev uint64, n int64, sum string, err error) {
	cl, err := client.New([]string{endpoint})
	if err != nil {
		return 0, 0, "", err
	}
	defer cl.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := cl.Snapshot(ctx)
	if err != nil {
		return 0, 0, "", err
	}
	tmp := path + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return 0, 0, "", err
	}
	defer func() {
		if err != nil {
			out.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	w := io.MultiWriter(out, h)
	var want string
	for first := true; ; first = false {
		chunk, rerr := stream.Recv()
		if errors.Is(rerr, io.EOF) {
			break
		}
		if rerr != nil {
			return 0, 0, "", rerr
		}
		if first {
			rev = chunk.Revision
		}
		m, werr := w.Write(chunk.Data)
		n += int64(m)
		if werr != nil {
			return 0, 0, "", werr
		}
		if chunk.Sha256 != "" {
			want = chunk.Sha256
		}
	}
	sum = hex.EncodeToString(h.Sum(nil))
	switch {
	case want == "":
		return 0, 0, "", errors.New("snapshot stream ended without a checksum (incomplete)")
	case want != sum:
		return 0, 0, "", fmt.Errorf("snapshot checksum mismatch: server sent %s, received data hashes to %s", want, sum)
	case rev == 0:
		return 0, 0, "", errors.New("snapshot stream carried no revision")
	}
	if err = errors.Join(out.Sync(), out.Close()); err != nil {
		return 0, 0, "", err
	}
	if got, ferr := raftstore.SnapshotFileRevision(tmp); ferr != nil || got != rev {
		return 0, 0, "", fmt.Errorf("saved file does not check out (revision %d, want %d): %v", got, rev, ferr)
	}
	if err = os.Rename(tmp, path); err != nil {
		return 0, 0, "", err
	}
	return rev, n, sum, nil
}

// The checksum file is sha256sum's format, then the revision:
//
//	<hex>  <file name>
//	revision <R>
func writeChecksumFile(path, sum string, rev uint64) error {
	body := fmt.Sprintf("%s  %s\nrevision %d\n", sum, filepath.Base(path), rev)
	return os.WriteFile(path+".sha256", []byte(body), 0o600)
}

// readChecksumFile returns path.sha256's checksum and revision; ok is false
// when there is none.
func readChecksumFile(path string) (sum string, rev uint64, ok bool, err error) {
	f, err := os.Open(path + ".sha256")
	if errors.Is(err, os.ErrNotExist) {
		return "", 0, false, nil
	}
	if err != nil {
		return "", 0, false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 2 && fields[0] == "revision":
			if rev, err = strconv.ParseUint(fields[1], 10, 64); err != nil {
				return "", 0, false, fmt.Errorf("%s.sha256: bad revision: %w", path, err)
			}
		case len(fields) >= 1 && sum == "":
			sum = fields[0]
		}
	}
	if sum == "" {
		return "", 0, false, fmt.Errorf("%s.sha256: no checksum", path)
	}
	return sum, rev, true, sc.Err()
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// offlineOpts are the flags of restore and recover: a node's identity and
// data dir, laid out as node.Start lays it out.
type offlineOpts struct {
	dataDir, id, raftAddr, peers string
}

func (o *offlineOpts) addFlags(cmd *cobra.Command, withPeers bool) {
	f := cmd.Flags()
	f.StringVar(&o.dataDir, "data-dir", "", "the node's data directory (required)")
	f.StringVar(&o.id, "id", "", "the node's Raft id (required)")
	f.StringVar(&o.raftAddr, "raft-addr", "", "the node's Raft address, as peers reach it (required)")
	if withPeers {
		f.StringVar(&o.peers, "peers", "", "the new cluster: ID=RAFTADDR,... including this node (empty: this node alone)")
	}
	for _, name := range []string{"data-dir", "id", "raft-addr"} {
		_ = cmd.MarkFlagRequired(name)
	}
}

// config returns the raftstore view of the node's files.
func (o *offlineOpts) config() (raftstore.OfflineConfig, error) {
	peers, err := node.ParsePeers(o.peers)
	if err != nil {
		return raftstore.OfflineConfig{}, fmt.Errorf("--peers: %w", err)
	}
	return raftstore.OfflineConfig{
		FSMPath: node.FSMPath(o.dataDir),
		RaftDir: node.RaftDir(o.dataDir),
		ID:      o.id, Addr: o.raftAddr, Peers: peers,
	}, nil
}

func newSnapshotRestoreCmd() *cobra.Command {
	o := &offlineOpts{}
	cmd := &cobra.Command{
		Use:   "restore FILE --data-dir DIR --id ID --raft-addr ADDR [--peers ID=ADDR,...]",
		Short: "Prepare an empty data dir to start a new cluster from a saved snapshot",
		Long: `Prepare an empty data dir to start a new cluster from a snapshot saved with
'drover snapshot save'. Every member of the new cluster runs restore with
the same FILE and --peers, then starts with 'drover node' and the same
--id, --data-dir, --raft-addr and --peers. The new cluster holds the same
objects at the same resourceVersions; its writes continue above the
snapshot's revision. FILE.sha256, if present, is verified first.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			if err := verifySnapshotFile(file); err != nil {
				return err
			}
			if err := requireEmptyDir(o.dataDir); err != nil {
				return err
			}
			cfg, err := o.config()
			if err != nil {
				return err
			}
			rev, err := raftstore.RestoreSnapshot(cfg, file)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "restored revision %d into %s; start the node with: drover node --id %s --data-dir %s --raft-addr %s%s\n",
				rev, o.dataDir, o.id, o.dataDir, o.raftAddr, peersFlag(o.peers))
			return nil
		},
	}
	o.addFlags(cmd, true)
	return cmd
}

func peersFlag(peers string) string {
	if peers == "" {
		return ""
	}
	return " --peers " + peers
}

// verifySnapshotFile checks FILE against FILE.sha256 when there is one.
func verifySnapshotFile(file string) error {
	want, wantRev, ok, err := readChecksumFile(file)
	if err != nil {
		return err
	}
	rev, err := raftstore.SnapshotFileRevision(file)
	if err != nil {
		return err
	}
	if !ok {
		return nil
	}
	got, err := fileSHA256(file)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%s: checksum mismatch: %s.sha256 says %s, the file hashes to %s", file, file, want, got)
	}
	if wantRev != 0 && wantRev != rev {
		return fmt.Errorf("%s: revision %d, but %s.sha256 says %d", file, rev, file, wantRev)
	}
	return nil
}

// requireEmptyDir refuses a data dir that exists and is not empty.
func requireEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("--data-dir %s is not empty: restore only prepares a new, empty data dir", dir)
	}
	return nil
}

func newRecoverCmd() *cobra.Command {
	o := &offlineOpts{}
	cmd := &cobra.Command{
		Use:   "recover --data-dir DIR --id ID --raft-addr ADDR",
		Short: "Make a stopped survivor of a quorum loss the only member of its cluster",
		Long: `Make a stopped node the only voter of its cluster, keeping all its data: for
when a quorum of the members is lost for good. Run it on the surviving node
with the largest applied index while the node is stopped, then start it
with 'drover node --id ID --data-dir DIR --raft-addr ADDR' (no --peers
needed). The node keeps every entry in its log, including any the old
cluster had not committed. Never start the lost members again with their
old data: they would not know they were removed.

To grow back to several members, save a snapshot from the recovered node
and restore it into fresh data dirs ('drover snapshot save',
'drover snapshot restore'), since members cannot be added to a running
cluster yet.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := o.config()
			if err != nil {
				return err
			}
			index, err := raftstore.RecoverSingle(cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "recovered %s at index %d as a single-node cluster; start it with: drover node --id %s --data-dir %s --raft-addr %s\n",
				o.id, index, o.id, o.dataDir, o.raftAddr)
			return nil
		},
	}
	o.addFlags(cmd, false)
	return cmd
}

// sleepCtx waits d unless ctx ends first; it reports whether it slept.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/client"
	pb "github.com/drover/drover/proto/droverpb"
)

// runDrover runs the drover binary with args and returns its combined output
// and whether it exited 0.
func runDrover(args ...string) (string, bool) {
	out, err := exec.Command(droverBin, args...).CombinedOutput()
	return string(out), err == nil
}

func mustRunDrover(t *testing.T, args ...string) string {
	t.Helper()
	out, ok := runDrover(args...)
	if !ok {
		t.Fatalf("drover %s failed:\n%s", strings.Join(args, " "), out)
	}
	return out
}

// snapshotKinds are the kinds the tests write.
var snapshotKinds = []string{"Namespace", "ConfigMap", "Secret"}

// allObjects lists every object of snapshotKinds (all namespaces,
// linearizable): kind/namespace/name -> resourceVersion.
func allObjects(t *testing.T, cl *client.Client) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	for _, kind := range snapshotKinds {
		res, err := cl.List(ctxT(t, 20*time.Second), &pb.ListRequest{Kind: kind})
		if err != nil {
			t.Fatalf("list %s: %v", kind, err)
		}
		for _, o := range res.Items {
			out[kind+"/"+o.Metadata.Namespace+"/"+o.Metadata.Name] = o.Metadata.ResourceVersion
		}
	}
	return out
}

func sameObjects(t *testing.T, want, got map[string]uint64) {
	t.Helper()
	for k, rv := range want {
		if got[k] != rv {
			t.Errorf("%s: resourceVersion %d, want %d", k, got[k], rv)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected object", k)
		}
	}
}

// writeObjects creates, updates and deletes objects of snapshotKinds.
func writeObjects(t *testing.T, cl *client.Client) {
	t.Helper()
	ctx := ctxT(t, time.Minute)
	must := func(_ *pb.Object, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(cl.Create(ctx, &pb.Object{ApiVersion: "v1", Kind: "Namespace", Metadata: &pb.ObjectMeta{Name: "team-a"}}))
	for i := 0; i < 20; i++ {
		must(cl.Create(ctx, configMap(fmt.Sprintf("cm-%d", i), "x")))
	}
	cm := configMap("team-cm", "y")
	cm.Metadata.Namespace = "team-a"
	must(cl.Create(ctx, cm))
	must(cl.Create(ctx, &pb.Object{ApiVersion: "v1", Kind: "Secret",
		Metadata: &pb.ObjectMeta{Name: "s", Namespace: "team-a"}, Body: []byte(`{"type":"Opaque","data":{"a":"YQ=="}}`)}))
	got, err := cl.Get(ctx, &pb.GetRequest{Kind: "ConfigMap", Namespace: "default", Name: "cm-3"})
	must(got, err)
	got.Body = []byte(`{"data":{"v":"updated"}}`)
	must(cl.Update(ctx, got))
	must(cl.Delete(ctx, &pb.DeleteRequest{Kind: "ConfigMap", Namespace: "default", Name: "cm-4"}))
}

// maxRV is the highest resourceVersion in objs.
func maxRV(objs map[string]uint64) uint64 {
	var m uint64
	for _, rv := range objs {
		m = max(m, rv)
	}
	return m
}

// A snapshot saved from a 3-node cluster (through a follower, so the
// stream is relayed) restores into a new 3-node cluster on new ports with
// the same objects and resourceVersions, which then writes above them.
func TestSnapshotSaveRestore(t *testing.T) {
	old := startCluster(t, 3)
	cl := old.client()
	writeObjects(t, cl)
	want := allObjects(t, cl)

	leader := old.waitLeader(30 * time.Second)
	follower := old.followers(leader)[0]
	file := filepath.Join(t.TempDir(), "backup.db")
	out := mustRunDrover(t, "snapshot", "save", file, "--server", follower.api)
	if !strings.HasPrefix(out, "saved revision ") || !strings.Contains(out, "sha256 ") {
		t.Fatalf("save printed %q", out)
	}
	var rev, size uint64
	var sum string
	if _, err := fmt.Sscanf(out, "saved revision %d (%d bytes, sha256 %s", &rev, &size, &sum); err != nil {
		t.Fatalf("save printed %q: %v", out, err)
	}
	if rev < maxRV(want) {
		t.Fatalf("snapshot revision %d below the last write's %d", rev, maxRV(want))
	}
	if sumFile := readFile(t, file+".sha256"); !strings.HasPrefix(sumFile, strings.TrimSuffix(sum, ")")) ||
		!strings.Contains(sumFile, fmt.Sprintf("revision %d", rev)) {
		t.Fatalf("checksum file %q, save printed %q", sumFile, out)
	}
	old.stopAll()

	nodes, peers := newNodes(t, 3, t.TempDir())
	for _, n := range nodes {
		mustRunDrover(t, "snapshot", "restore", file, "--data-dir", n.dir, "--id", n.id, "--raft-addr", n.raft, "--peers", peers)
	}
	if out, ok := runDrover("snapshot", "restore", file, "--data-dir", nodes[0].dir, "--id", "n1",
		"--raft-addr", nodes[0].raft, "--peers", peers); ok || !strings.Contains(out, "not empty") {
		t.Fatalf("restore into a used data dir: ok=%v %s", ok, out)
	}
	restored := runNodes(t, nodes, "--peers", peers)
	ncl := restored.client()
	sameObjects(t, want, allObjects(t, ncl))

	obj, err := ncl.Create(ctxT(t, 30*time.Second), configMap("after-restore", "z"))
	if err != nil {
		t.Fatal(err)
	}
	if obj.Metadata.ResourceVersion <= rev {
		t.Fatalf("new write at revision %d, not above the snapshot's %d", obj.Metadata.ResourceVersion, rev)
	}
	// Every member serves the restored state (stale reads stay local).
	for _, n := range restored.nodes {
		deadline := time.Now().Add(30 * time.Second)
		for {
			got := mustList(t, restored.client(n), true)
			if got["after-restore"] != 0 && got["cm-3"] == want["ConfigMap/default/cm-3"] {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: stale list %v", n.id, got)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func writeTestFile(path, body string) error { return os.WriteFile(path, []byte(body), 0o600) }

// A corrupted snapshot file is refused before anything is written.
func TestSnapshotRestoreRefusesBadChecksum(t *testing.T) {
	c := startCluster(t, 1)
	file := filepath.Join(t.TempDir(), "backup.db")
	mustRunDrover(t, "snapshot", "save", file, "--server", c.nodes[0].api)
	c.stopAll()
	sum := readFile(t, file+".sha256")
	bad := strings.Repeat("0", 64) + sum[64:]
	if err := writeTestFile(file+".sha256", bad); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "n1")
	out, ok := runDrover("snapshot", "restore", file, "--data-dir", dir, "--id", "n1", "--raft-addr", "127.0.0.1:1")
	if ok || !strings.Contains(out, "checksum mismatch") {
		t.Fatalf("restore with a bad checksum: ok=%v %s", ok, out)
	}
}

// After losing two of three nodes for good, recover makes the survivor a
// single-node cluster holding every acknowledged write, and it accepts
// writes; two fresh nodes then join it through gossip and it is three
// voters again.
func TestRecoverFromQuorumLoss(t *testing.T) {
	c := startCluster(t, 3)
	writeObjects(t, c.client())
	w, stop := startWriter(c, "before-loss")
	w.waitMoreAcked(t, 30)
	stop()
	want := allObjects(t, c.client())

	leader := c.waitLeader(30 * time.Second)
	survivor := c.followers(leader)[0]
	// Only a member that holds every acknowledged write may be recovered:
	// wait until this one has applied them (stale reads are local).
	deadline := time.Now().Add(30 * time.Second)
	for {
		local := mustList(t, c.client(survivor), true)
		if len(local) == len(mustList(t, c.client(), false)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not catch up", survivor.id)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, n := range c.nodes {
		if n != survivor {
			c.kill(n)
		}
	}
	c.sigterm(survivor)

	out := mustRunDrover(t, "recover", "--data-dir", survivor.dir, "--id", survivor.id, "--raft-addr", survivor.raft)
	if !strings.Contains(out, "recovered "+survivor.id) {
		t.Fatalf("recover printed %q", out)
	}
	survivor.args = survivor.nodeArgs()
	c.start(survivor)
	c.waitLeader(60 * time.Second)
	cl := c.client(survivor)
	got := allObjects(t, cl)
	sameObjects(t, want, got)
	w.check(t, cl)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	obj, err := cl.Create(ctx, configMap("after-recover", "z"))
	if err != nil {
		t.Fatal(err)
	}
	if obj.Metadata.ResourceVersion <= maxRV(got) {
		t.Fatalf("new write at revision %d, not above %d", obj.Metadata.ResourceVersion, maxRV(got))
	}

	base := filepath.Dir(survivor.dir)
	for _, id := range []string{"n4", "n5"} {
		n := newNode(t, id, base)
		n.args = append(n.nodeArgs(), "--join", survivor.gossip)
		c.nodes = append(c.nodes, n)
		c.start(n)
	}
	grown := c.running()
	waitMembers(t, grown, ids(grown)...)
	for _, n := range grown {
		waitConverged(t, c.client(n), mustList(t, cl, false), 30*time.Second)
	}
}

package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// cli runs the drover binary against the cluster and returns its combined
// output and whether it exited 0.
func (c *procCluster) cli(args ...string) (string, bool) {
	var eps []string
	for _, n := range c.nodes {
		eps = append(eps, n.api)
	}
	cmd := exec.Command(droverBin, append(args, "--server", strings.Join(eps, ","))...)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func (c *procCluster) mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, ok := c.cli(args...)
	if !ok {
		t.Fatalf("drover %s failed:\n%s", strings.Join(args, " "), out)
	}
	return out
}

// The Kubernetes documentation manifests apply unchanged through the CLI,
// and get, describe and delete behave as kubectl's do.
func TestCLIApplyGetDescribeDelete(t *testing.T) {
	c := startCluster(t, 3)
	out := c.mustCLI(t, "apply", "-f", "../../examples")
	for _, want := range []string{"deployment.apps/nginx-deployment created", "pod/busybox created",
		"job.batch/pi created", "service/my-service created", "configmap/game-demo created"} {
		if !strings.Contains(out, want) {
			t.Fatalf("apply output lacks %q:\n%s", want, out)
		}
	}
	if out = c.mustCLI(t, "apply", "-f", "../../examples"); strings.Count(out, "unchanged") != 5 {
		t.Fatalf("second apply should change nothing:\n%s", out)
	}
	out = c.mustCLI(t, "get", "deploy")
	if !strings.Contains(out, "NAME") || !strings.Contains(out, "nginx-deployment") {
		t.Fatalf("get deploy:\n%s", out)
	}
	if out = c.mustCLI(t, "get", "po", "busybox", "-o", "yaml"); !strings.Contains(out, "image: busybox:1.28") {
		t.Fatalf("get -o yaml:\n%s", out)
	}
	if out = c.mustCLI(t, "get", "cm", "--field-selector", "metadata.name=game-demo", "-o", "name"); strings.TrimSpace(out) != "configmap/game-demo" {
		t.Fatalf("field selector:\n%s", out)
	}
	if out = c.mustCLI(t, "get", "deploy", "-l", "app in (nginx,web)", "-o", "name"); strings.TrimSpace(out) != "deployment.apps/nginx-deployment" {
		t.Fatalf("label selector:\n%s", out)
	}
	if out = c.mustCLI(t, "describe", "deploy", "nginx-deployment"); !strings.Contains(out, "nginx:1.14.2") {
		t.Fatalf("describe:\n%s", out)
	}
	if out = c.mustCLI(t, "delete", "cm", "game-demo"); !strings.Contains(out, `configmap "game-demo" deleted`) {
		t.Fatalf("delete:\n%s", out)
	}
	if out, ok := c.cli("get", "cm", "game-demo"); ok || !strings.Contains(out, "not found") {
		t.Fatalf("get after delete should fail with not found:\n%s", out)
	}
}

// Every bad input gets a clear error and a non-zero exit, and changes
// nothing.
func TestCLIBadInputChangesNothing(t *testing.T) {
	c := startCluster(t, 1)
	c.mustCLI(t, "apply", "-f", "../../examples/nginx-deployment.yaml")
	before := c.mustCLI(t, "get", "deploy", "nginx-deployment", "-o", "yaml")
	dir := t.TempDir()
	cases := []struct{ name, manifest, want string }{
		{"malformed", "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n", "yaml"},
		{"unknown kind", "apiVersion: v1\nkind: Gizmo\nmetadata: {name: g}\n", "Gizmo"},
		{"unknown field", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    imagee: x\n", "imagee"},
		{"bad name", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n", "Bad_Name"},
		{"missing namespace", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: nowhere}\n", "nowhere"},
		{"oversized", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  v: " + strings.Repeat("x", 2<<20) + "\n", "too large"},
		{"immutable selector", strings.Replace(readFile(t, "../../examples/nginx-deployment.yaml"),
			"matchLabels:\n      app: nginx", "matchLabels:\n      app: nginx\n      tier: web", 1), "immutable"},
	}
	for _, tc := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml")
		if err := os.WriteFile(path, []byte(tc.manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		out, ok := c.cli("apply", "-f", path)
		if ok || !strings.Contains(out, tc.want) {
			t.Fatalf("%s: want a failure mentioning %q, got ok=%v:\n%.500s", tc.name, tc.want, ok, out)
		}
	}
	if after := c.mustCLI(t, "get", "deploy", "nginx-deployment", "-o", "yaml"); after != before {
		t.Fatalf("a rejected change altered the deployment:\n%s\nvs\n%s", before, after)
	}
	if out := c.mustCLI(t, "get", "cm", "-A", "-o", "name"); !strings.Contains(out, "No resources found") {
		t.Fatalf("rejected objects were stored:\n%s", out)
	}
}

func readFile(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// `drover get -w` prints changes as they happen.
func TestCLIWatch(t *testing.T) {
	c := startCluster(t, 1)
	cmd := exec.Command(droverBin, "get", "cm", "--watch-only", "-o", "name", "--server", c.nodes[0].api)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := make(chan string, 16)
	go func() {
		s := bufio.NewScanner(stdout)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	deadline := time.After(20 * time.Second)
	for i := 0; ; i++ {
		c.mustCLI(t, "apply", "-f", "../../examples/game-demo-configmap.yaml")
		c.mustCLI(t, "delete", "cm", "game-demo")
		select {
		case l := <-lines:
			if !strings.Contains(l, "configmap/game-demo") {
				t.Fatalf("watch printed %q", l)
			}
			return
		case <-time.After(500 * time.Millisecond):
		case <-deadline:
			t.Fatal("watch printed nothing")
		}
	}
}

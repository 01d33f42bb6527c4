package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/drover/drover/client/manifest"
	pb "github.com/drover/drover/proto/droverpb"
)

// printNow is the fixed clock of the printer tests.
var printNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// objectsFrom decodes YAML test objects, created 5 minutes before printNow.
func objectsFrom(t *testing.T, y string) []*pb.Object {
	t.Helper()
	objs, err := manifest.Decode([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if o.Metadata.CreationTimestamp == 0 {
			o.Metadata.CreationTimestamp = printNow.Add(-5 * time.Minute).UnixNano()
		}
	}
	return objs
}

// render prints objects of a kind like `drover get`.
func render(t *testing.T, kind, format string, withNS bool, objs []*pb.Object) string {
	t.Helper()
	k, err := resolveKind(kind)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	p := newPrinter(&buf, format, k, withNS)
	p.now = func() time.Time { return printNow }
	if err := p.printList(objs); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func checkTable(t *testing.T, got, want string) {
	t.Helper()
	want = strings.TrimPrefix(want, "\n")
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

const podsYAML = `
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: default}
spec:
  nodeName: n1
  containers: [{name: a, image: nginx}, {name: b, image: redis}]
status:
  phase: Running
  podIP: 10.0.0.5
  containerStatuses:
  - {name: a, ready: true, restartCount: 2, state: {running: {}}}
  - {name: b, ready: false, restartCount: 1, state: {waiting: {reason: CrashLoopBackOff}}}
---
apiVersion: v1
kind: Pod
metadata: {name: pending, namespace: kube}
spec:
  containers: [{name: a, image: nginx}]
`

func TestPodTable(t *testing.T) {
	objs := objectsFrom(t, podsYAML)
	checkTable(t, render(t, "po", "", false, objs), `
NAME      READY   STATUS             RESTARTS   AGE
web-1     1/2     CrashLoopBackOff   3          5m
pending   0/1     Pending            0          5m
`)
	checkTable(t, render(t, "pods", "wide", true, objs), `
NAMESPACE   NAME      READY   STATUS             RESTARTS   AGE   IP         NODE
default     web-1     1/2     CrashLoopBackOff   3          5m    10.0.0.5   n1
kube        pending   0/1     Pending            0          5m    <none>     <none>
`)
}

func TestWorkloadTables(t *testing.T) {
	objs := objectsFrom(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx-deployment}
spec:
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec: {containers: [{name: nginx, image: "nginx:1.14.2"}]}
status: {readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2}
`)
	checkTable(t, render(t, "deploy", "", false, objs), `
NAME               READY   UP-TO-DATE   AVAILABLE   AGE
nginx-deployment   2/3     3            2           5m
`)
	checkTable(t, render(t, "deployments.apps", "wide", false, objs), `
NAME               READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES         SELECTOR
nginx-deployment   2/3     3            2           5m    nginx        nginx:1.14.2   app=nginx
`)
	start := printNow.Add(-3 * time.Minute).Format(time.RFC3339)
	end := printNow.Add(-1 * time.Minute).Format(time.RFC3339)
	jobs := objectsFrom(t, `
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template: {spec: {containers: [{name: pi, image: perl}]}}
status: {succeeded: 1, startTime: "`+start+`", completionTime: "`+end+`"}
`)
	checkTable(t, render(t, "jobs", "", false, jobs), `
NAME   COMPLETIONS   DURATION   AGE
pi     1/1           2m         5m
`)
}

func TestConfigTables(t *testing.T) {
	objs := objectsFrom(t, `
apiVersion: v1
kind: Service
metadata: {name: my-service}
spec:
  type: NodePort
  clusterIP: 10.96.0.10
  selector: {app: web}
  ports: [{port: 80, nodePort: 30080, protocol: TCP}, {port: 53, protocol: UDP}]
`)
	checkTable(t, render(t, "svc", "", false, objs), `
NAME         TYPE       CLUSTER-IP   EXTERNAL-IP   PORT(S)               AGE
my-service   NodePort   10.96.0.10   <none>        80:30080/TCP,53/UDP   5m
`)
	cms := objectsFrom(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '1', b: '2'}\n")
	checkTable(t, render(t, "cm", "", false, cms), `
NAME   DATA   AGE
c      2      5m
`)
	secrets := objectsFrom(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ntype: Opaque\ndata: {a: YQ==}\n")
	checkTable(t, render(t, "secrets", "", false, secrets), `
NAME   TYPE     DATA   AGE
s      Opaque   1      5m
`)
}

func TestClusterTables(t *testing.T) {
	nodes := objectsFrom(t, `
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {node-role.kubernetes.io/control-plane: ""}}
status:
  conditions: [{type: Ready, status: "True"}]
  nodeInfo: {kubeletVersion: drover-0.1}
`)
	checkTable(t, render(t, "nodes", "", false, nodes), `
NAME   STATUS   ROLES           AGE   VERSION
n1     Ready    control-plane   5m    drover-0.1
`)
	ns := objectsFrom(t, "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\nstatus: {phase: Terminating}\n")
	checkTable(t, render(t, "ns", "", false, ns), `
NAME   STATUS        AGE
web    Terminating   5m
`)
	ev := objectsFrom(t, `
apiVersion: v1
kind: Event
metadata: {name: e1, namespace: default}
type: Normal
reason: Scheduled
message: Successfully assigned default/web-1 to n1
involvedObject: {kind: Pod, name: web-1}
`)
	checkTable(t, render(t, "events", "", true, ev), `
NAMESPACE   LAST SEEN   TYPE     REASON      OBJECT      MESSAGE
default     5m          Normal   Scheduled   pod/web-1   Successfully assigned default/web-1 to n1
`)
}

func TestStructuredOutput(t *testing.T) {
	objs := objectsFrom(t, podsYAML)
	out := render(t, "pods", "yaml", false, objs)
	if !strings.HasPrefix(out, "apiVersion: v1\nitems:\n") || !strings.Contains(out, "kind: List\n") {
		t.Errorf("yaml list:\n%s", out)
	}
	back, err := manifest.Decode([]byte(out))
	if err != nil || len(back) != 2 {
		t.Fatalf("re-decoding the list: %v (%d objects)", err, len(back))
	}
	if got := render(t, "pods", "name", false, objs); got != "pod/web-1\npod/pending\n" {
		t.Errorf("name output %q", got)
	}
	if got := render(t, "pods", "json", false, objs); !strings.Contains(got, `"kind": "List"`) {
		t.Errorf("json output %s", got)
	}
}

func TestWatchPrinterHeaderOnce(t *testing.T) {
	k, _ := resolveKind("cm")
	var buf bytes.Buffer
	p := newPrinter(&buf, "", k, false)
	p.now = func() time.Time { return printNow }
	for _, o := range objectsFrom(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n") {
		if err := p.printEvent(o); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Count(buf.String(), "NAME") != 1 {
		t.Errorf("header repeated:\n%s", buf.String())
	}
}

func TestNoResources(t *testing.T) {
	if got := noResources("default"); got != "No resources found in default namespace." {
		t.Errorf("got %q", got)
	}
	if got := noResources(""); got != "No resources found" {
		t.Errorf("got %q", got)
	}
}

func TestDescribe(t *testing.T) {
	objs := objectsFrom(t, podsYAML)
	var buf bytes.Buffer
	if err := describe(&buf, objs[0], printNow); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Name:", "web-1", "Namespace:", "Containers:", "Image:", "nginx", "CrashLoopBackOff", "Restart Count:"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("describe output lacks %q:\n%s", want, buf.String())
		}
	}
}

func TestDescribeEveryKind(t *testing.T) {
	files, err := filepath.Glob("../../client/manifest/testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		objs, err := manifest.Decode(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			var buf bytes.Buffer
			if err := describe(&buf, o, printNow); err != nil || !strings.Contains(buf.String(), o.Metadata.Name) {
				t.Errorf("describe %s %s: %v\n%s", o.Kind, o.Metadata.Name, err, buf.String())
			}
		}
	}
}

func TestWatchRowsAlignWithHeader(t *testing.T) {
	k, _ := resolveKind("cm")
	var buf bytes.Buffer
	p := newPrinter(&buf, "", k, false)
	p.now = func() time.Time { return printNow }
	objs := objectsFrom(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a-long-name}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
	if err := p.printList(objs[:1]); err != nil {
		t.Fatal(err)
	}
	if err := p.printEvent(objs[1]); err != nil {
		t.Fatal(err)
	}
	checkTable(t, buf.String(), `
NAME          DATA   AGE
a-long-name   0      5m
b             0      5m
`)
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/drover/drover/proto/droverpb"
)

// fakeObjects is an in-memory Objects server: enough of the API contract
// (preconditions, not-found messages, a server-set field) to drive the
// client commands without a cluster.
type fakeObjects struct {
	pb.UnimplementedObjectsServer
	mu   sync.Mutex
	rev  uint64
	objs map[string]*pb.Object
}

func fakeKey(kind, ns, name string) string { return kind + "/" + ns + "/" + name }

func notFound(kind, name string) error {
	k, _ := pb.LookupKind(kind)
	return status.Errorf(codes.NotFound, "%s %q not found", k.Plural, name)
}

func (f *fakeObjects) Create(_ context.Context, r *pb.CreateRequest) (*pb.Object, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := proto.Clone(r.Object).(*pb.Object)
	key := fakeKey(o.Kind, o.Metadata.Namespace, o.Metadata.Name)
	if _, ok := f.objs[key]; ok {
		return nil, status.Errorf(codes.AlreadyExists, "%q already exists", o.Metadata.Name)
	}
	f.rev++
	o.Metadata.ResourceVersion, o.Metadata.Uid, o.Metadata.CreationTimestamp = f.rev, fmt.Sprint("uid-", f.rev), 1
	f.objs[key] = o
	return o, nil
}

func (f *fakeObjects) Get(_ context.Context, r *pb.GetRequest) (*pb.Object, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.objs[fakeKey(r.Kind, r.Namespace, r.Name)]
	if !ok {
		return nil, notFound(r.Kind, r.Name)
	}
	return o, nil
}

func (f *fakeObjects) Update(_ context.Context, r *pb.UpdateRequest) (*pb.Object, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := proto.Clone(r.Object).(*pb.Object)
	key := fakeKey(o.Kind, o.Metadata.Namespace, o.Metadata.Name)
	cur, ok := f.objs[key]
	if !ok {
		return nil, notFound(o.Kind, o.Metadata.Name)
	}
	if rv := o.Metadata.ResourceVersion; rv != 0 && rv != cur.Metadata.ResourceVersion {
		return nil, status.Errorf(codes.Aborted, "conflict: resourceVersion %d, current %d", rv, cur.Metadata.ResourceVersion)
	}
	f.rev++
	o.Metadata.ResourceVersion, o.Metadata.Uid, o.Status = f.rev, cur.Metadata.Uid, cur.Status
	f.objs[key] = o
	return o, nil
}

func (f *fakeObjects) Delete(_ context.Context, r *pb.DeleteRequest) (*pb.Object, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := fakeKey(r.Kind, r.Namespace, r.Name)
	o, ok := f.objs[key]
	if !ok {
		return nil, notFound(r.Kind, r.Name)
	}
	delete(f.objs, key)
	return o, nil
}

func (f *fakeObjects) List(_ context.Context, r *pb.ListRequest) (*pb.ListResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	resp := &pb.ListResponse{ResourceVersion: f.rev}
	for _, k := range sortedKeys(f.objs) {
		o := f.objs[k]
		if o.Kind == r.Kind && (r.Namespace == "" || r.Namespace == o.Metadata.Namespace) {
			resp.Items = append(resp.Items, o)
		}
	}
	return resp, nil
}

// startFake serves a fakeObjects on a loopback port.
func startFake(t *testing.T) (string, *fakeObjects) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer()
	f := &fakeObjects{objs: map[string]*pb.Object{}}
	pb.RegisterObjectsServer(srv, f)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String(), f
}

// runCLI runs the drover command line and returns stdout, stderr, error.
func runCLI(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

func TestCLIAgainstFakeServer(t *testing.T) {
	addr, _ := startFake(t)
	srv := "--server=" + addr
	out, _, err := runCLI(t, "", "apply", "-f", "../../examples/nginx-deployment.yaml", "-f", "../../examples/game-demo-configmap.yaml", srv)
	if err != nil || out != "deployment.apps/nginx-deployment created\nconfigmap/game-demo created\n" {
		t.Fatalf("first apply: %q %v", out, err)
	}
	out, _, err = runCLI(t, "", "apply", "-f", "../../examples/nginx-deployment.yaml", srv)
	if err != nil || out != "deployment.apps/nginx-deployment unchanged\n" {
		t.Fatalf("second apply: %q %v", out, err)
	}
	yml, _, err := runCLI(t, "", "get", "deploy", "nginx-deployment", "-o", "yaml", srv)
	if err != nil || !strings.Contains(yml, "resourceVersion: \"1\"") {
		t.Fatalf("get -o yaml: %q %v", yml, err)
	}
	changed := strings.Replace(yml, "replicas: 3", "replicas: 5", 1)
	out, _, err = runCLI(t, changed, "apply", "-f", "-", srv)
	if err != nil || out != "deployment.apps/nginx-deployment configured\n" {
		t.Fatalf("apply of edited get output: %q %v", out, err)
	}
	out, _, err = runCLI(t, "", "get", "cm", srv)
	if err != nil || !strings.HasPrefix(out, "NAME        DATA   AGE\ngame-demo   4 ") {
		t.Fatalf("get cm: %q %v", out, err)
	}
	_, errOut, err := runCLI(t, "", "get", "pods", srv)
	if err != nil || errOut != "No resources found in default namespace.\n" {
		t.Fatalf("empty get: %q %v", errOut, err)
	}
	out, _, err = runCLI(t, "", "delete", "cm", "game-demo", srv)
	if err != nil || out != "configmap \"game-demo\" deleted\n" {
		t.Fatalf("delete: %q %v", out, err)
	}
	_, errOut, err = runCLI(t, "", "delete", "cm", "game-demo", srv)
	if err == nil || errOut != "error: configmaps \"game-demo\" not found\n" {
		t.Fatalf("delete missing: %q %v", errOut, err)
	}
	_, _, err = runCLI(t, "", "describe", "deploy", "nginx-deployment", srv)
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
}

func TestBenchAgainstFakeServer(t *testing.T) {
	addr, f := startFake(t)
	for _, op := range []string{"create", "update", "get"} {
		out, errOut, err := runCLI(t, "", "bench", "--op", op, "--concurrency", "4", "--count", "40", "--size", "64", "--cleanup", "--server", addr)
		if err != nil || !strings.Contains(out, `"op":"`+op+`"`) || !strings.Contains(out, `"errors":0`) || strings.Count(out, "\n") != 1 {
			t.Fatalf("bench %s: %q %q %v", op, out, errOut, err)
		}
	}
	if n := len(f.objs); n != 0 {
		t.Errorf("--cleanup left %d objects", n)
	}
}

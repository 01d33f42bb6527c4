package selector

import (
	"errors"
	"strings"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
)

func pod(name, ns, node, phase string, labels map[string]string) *pb.Object {
	return &pb.Object{
		ApiVersion: "v1", Kind: "Pod",
		Metadata: &pb.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
		Body:     []byte(`{"spec":{"containers":[{"name":"c","image":"i"}],"nodeName":"` + node + `"}}`),
		Status:   []byte(`{"phase":"` + phase + `"}`),
	}
}

var (
	web   = pod("web", "default", "n1", "Running", map[string]string{"app": "web", "tier": "front", "rev": "3"})
	db    = pod("db", "prod", "n2", "Pending", map[string]string{"app": "db"})
	plain = &pb.Object{ApiVersion: "v1", Kind: "Pod", Metadata: &pb.ObjectMeta{Name: "plain", Namespace: "default"}}
)

func TestCompileMatches(t *testing.T) {
	tests := []struct {
		name, kind, labels, fields string
		obj                        *pb.Object
		want                       bool
	}{
		{"equals", "Pod", "app=web", "", web, true},
		{"double equals", "Pod", "app==db", "", web, false},
		{"not equals", "Pod", "app!=db", "", web, true},
		{"not equals absent label", "Pod", "tier!=front", "", db, true},
		{"in", "Pod", "app in (web,db)", "", db, true},
		{"notin", "Pod", "app notin (web)", "", web, false},
		{"exists", "Pod", "tier", "", web, true},
		{"not exists", "Pod", "!tier", "", web, false},
		{"greater than", "Pod", "rev>2", "", web, true},
		{"less than", "Pod", "rev<2", "", web, false},
		{"and", "Pod", "app=web,tier=front", "", web, true},
		{"and fails", "Pod", "app=web,tier=back", "", web, false},
		{"no labels", "Pod", "app", "", plain, false},
		{"name", "Pod", "", "metadata.name=web", web, true},
		{"name double equals", "Pod", "", "metadata.name==db", web, false},
		{"namespace", "Pod", "", "metadata.namespace=prod", db, true},
		{"namespace not", "Pod", "", "metadata.namespace!=prod", db, false},
		{"node", "Pod", "", "spec.nodeName=n1", web, true},
		{"node not", "Pod", "", "spec.nodeName!=n1", db, true},
		{"unscheduled", "Pod", "", "spec.nodeName=", plain, true},
		{"phase", "Pod", "", "status.phase=Running", web, true},
		{"phase not", "Pod", "", "status.phase!=Pending,status.phase!=Running", db, false},
		{"fields and labels", "Pod", "app=web", "spec.nodeName=n1,status.phase=Running", web, true},
		{"fields and labels fail", "Pod", "app=web", "spec.nodeName=n2", web, false},
		{"kind by plural", "pods", "", "metadata.name=web", web, true},
		{"namespace phase", "Namespace", "", "status.phase=Active",
			&pb.Object{Kind: "Namespace", Metadata: &pb.ObjectMeta{Name: "a"}, Status: []byte(`{"phase":"Active"}`)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			match, err := Compile(tt.kind, tt.labels, tt.fields)
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			if got := match(tt.obj); got != tt.want {
				t.Errorf("match = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompileEmpty(t *testing.T) {
	match, err := Compile("Pod", "", " ")
	if err != nil || match != nil {
		t.Fatalf("Compile(empty) = %p, %v; want nil, nil", match, err)
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, kind, labels, fields string
		want                       []string
	}{
		{"unknown kind", "Widget", "a=b", "", []string{`unknown kind "Widget"`}},
		{"bad label syntax", "Pod", "app in web", "", []string{"label selector", `"app in web"`}},
		{"bad label value", "Pod", "app=a b", "", []string{"label selector"}},
		{"bad field syntax", "Pod", "", "metadata.name", []string{"field selector", `"metadata.name"`}},
		{"unsupported field", "Pod", "", "spec.restartPolicy=Always",
			[]string{`"spec.restartPolicy"`, "Pod", "metadata.name, metadata.namespace, spec.nodeName, status.phase"}},
		{"phase on configmap", "ConfigMap", "", "status.phase=Active", []string{`"status.phase"`, "(supported: metadata.name, metadata.namespace)"}},
		{"node on namespace", "Namespace", "", "spec.nodeName=n1", []string{`"spec.nodeName"`, "status.phase"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(tt.kind, tt.labels, tt.fields)
			if !errors.Is(err, ErrInvalidSelector) {
				t.Fatalf("err = %v, want ErrInvalidSelector", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func BenchmarkFieldSelector(b *testing.B) {
	match, err := Compile("Pod", "app=web", "spec.nodeName=n1,status.phase=Running")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !match(web) {
			b.Fatal("no match")
		}
	}
}

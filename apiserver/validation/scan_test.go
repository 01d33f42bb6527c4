package validation

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestEnvelopeKeysIn(t *testing.T) {
	tests := []struct {
		doc  string
		want []string
	}{
		{`{"spec":{"metadata":{},"status":"x"}}`, nil},
		{`{"data":{"k":"\"kind\": {"},"kind":"Pod"}`, []string{"kind"}},
		{`{"a":["metadata",{"status":1}],"status":{}}`, []string{"status"}},
		{`{"metadata":1,"apiVersion":"v1"}`, []string{"apiVersion", "metadata"}},
		{`{"st\u0061tus":{}}`, []string{"status"}},
		{`{}`, nil},
	}
	for _, tt := range tests {
		got := envelopeKeysIn([]byte(tt.doc))
		slices.Sort(got)
		if !slices.Equal(got, tt.want) {
			t.Errorf("envelopeKeysIn(%s) = %v, want %v", tt.doc, got, tt.want)
		}
	}
}

func TestEncodeBodyStripsEnvelope(t *testing.T) {
	objs := []any{&corev1.Pod{}, &corev1.ConfigMap{}, &appsv1.Deployment{}, &corev1.Event{},
		&corev1.Pod{Status: corev1.PodStatus{Phase: "Running"}}}
	for _, o := range objs {
		b, err := encodeBody(o)
		if err != nil {
			t.Fatal(err)
		}
		if keys := envelopeKeysIn(b); len(keys) > 0 {
			t.Errorf("encodeBody(%T) = %s, still has %v", o, b, keys)
		}
	}
}

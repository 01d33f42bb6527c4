package main

import (
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/drover/drover/client/manifest"
	pb "github.com/drover/drover/proto/droverpb"
)

// rowFunc renders one object's cells, wide columns included.
type rowFunc func(obj *pb.Object, now time.Time) ([]string, error)

// table describes a kind's columns: cols always, wide after them with -o
// wide.
type table struct {
	cols []string
	wide []string
	row  rowFunc
}

// headers returns the column titles.
func (t table) headers(wide bool) []string {
	if wide {
		return append(append([]string{}, t.cols...), t.wide...)
	}
	return t.cols
}

// cut drops the wide cells unless wide output was asked for.
func (t table) cut(cells []string, wide bool) []string {
	if !wide && len(cells) > len(t.cols) {
		return cells[:len(t.cols)]
	}
	return cells
}

// tables maps a kind to its columns; tableFor falls back to NAME AGE.
var tables = map[string]table{}

// tableFor returns the table of a kind.
func tableFor(kind string) table {
	if t, ok := tables[kind]; ok {
		return t
	}
	return table{cols: []string{"NAME", "AGE"}, row: genericRow}
}

// register adds a kind's table, decoding objects into T for its row
// function.
func register[T any](kind string, cols, wide []string, f func(t *T, now time.Time) []string) {
	tables[kind] = table{cols: cols, wide: wide, row: func(obj *pb.Object, now time.Time) ([]string, error) {
		var t T
		if err := manifest.Into(obj, &t); err != nil {
			return nil, err
		}
		return f(&t, now), nil
	}}
}

// genericRow is the NAME AGE row of kinds without a table.
func genericRow(obj *pb.Object, now time.Time) ([]string, error) {
	md := obj.GetMetadata()
	return []string{md.GetName(), ageNanos(md.GetCreationTimestamp(), now)}, nil
}

// since is the AGE of an object's creation.
func since(m *metav1.ObjectMeta, now time.Time) string {
	return age(m.CreationTimestamp.Time, now)
}

// orNone is s, or "<none>" when empty.
func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// joinOrNone joins strings with commas, "<none>" when there are none.
func joinOrNone(ss []string) string {
	return orNone(strings.Join(ss, ","))
}

// selectorString formats a label selector ("<none>" when empty).
func selectorString(s *metav1.LabelSelector) string {
	if s == nil {
		return "<none>"
	}
	return metav1.FormatLabelSelector(s)
}

// int32Or dereferences p, or returns def when p is nil.
func int32Or(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

// sortedKeys returns m's keys in order.
func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

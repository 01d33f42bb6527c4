package main

import (
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// age formats the time since t the way kubectl's AGE column does (5s,
// 3m2s, 4h, 2d); an unset time is "<unknown>".
func age(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t))
}

// ageNanos is age for a Unix-nanosecond timestamp (0: unset).
func ageNanos(ns int64, now time.Time) string {
	if ns == 0 {
		return "<unknown>"
	}
	return age(time.Unix(0, ns), now)
}

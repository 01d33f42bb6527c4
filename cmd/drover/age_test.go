package main

import (
	"testing"
	"time"
)

func TestAge(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		ago  time.Duration
		want string
	}{
		{5 * time.Second, "5s"},
		{90 * time.Second, "90s"},
		{3*time.Minute + 2*time.Second, "3m2s"},
		{4 * time.Hour, "4h"},
		{4*time.Hour + 30*time.Minute, "4h30m"},
		{49 * time.Hour, "2d1h"},
		{10 * 24 * time.Hour, "10d"},
		{400 * 24 * time.Hour, "400d"},
		{-time.Second / 2, "0s"},
	}
	for _, tt := range tests {
		if got := age(now.Add(-tt.ago), now); got != tt.want {
			t.Errorf("age(%v ago) = %q, want %q", tt.ago, got, tt.want)
		}
	}
	if got := age(time.Time{}, now); got != "<unknown>" {
		t.Errorf("zero time: %q", got)
	}
	if got := ageNanos(now.Add(-time.Minute).UnixNano(), now); got != "60s" {
		t.Errorf("ageNanos: %q", got)
	}
}

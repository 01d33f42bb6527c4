package main

import (
	"math"
	"slices"
	"time"
)

// benchResult is the JSON line a bench run prints.
type benchResult struct {
	Op          string  `json:"op"`
	Concurrency int     `json:"concurrency"`
	Count       int     `json:"count"`
	Size        int     `json:"size"`
	OpsPerSec   float64 `json:"ops_per_sec"`
	P50Ms       float64 `json:"p50_ms"`
	P99Ms       float64 `json:"p99_ms"`
	P999Ms      float64 `json:"p999_ms"`
	Errors      int64   `json:"errors"`
	DurationS   float64 `json:"duration_s"`
}

// summarize merges the workers' latencies into a result; throughput counts
// successful operations.
func summarize(o *benchOpts, perWorker [][]time.Duration, errs int64, elapsed time.Duration) benchResult {
	all := slices.Concat(perWorker...)
	slices.Sort(all)
	res := benchResult{
		Op: o.op, Concurrency: o.concurrency, Count: o.count, Size: o.size,
		P50Ms: ms(percentile(all, 0.50)), P99Ms: ms(percentile(all, 0.99)), P999Ms: ms(percentile(all, 0.999)),
		Errors: errs, DurationS: round3(elapsed.Seconds()),
	}
	if elapsed > 0 {
		res.OpsPerSec = round3(float64(len(all)) / elapsed.Seconds())
	}
	return res
}

// percentile returns the nearest-rank percentile of sorted latencies.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// ms converts to milliseconds with microsecond resolution.
func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

// round3 rounds to three decimals.
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

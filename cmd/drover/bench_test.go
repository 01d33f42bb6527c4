package main

import (
	"encoding/json"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var lats []time.Duration
	for i := 1; i <= 1000; i++ {
		lats = append(lats, time.Duration(i)*time.Millisecond)
	}
	if p := percentile(lats, 0.5); p != 500*time.Millisecond {
		t.Errorf("p50 = %v", p)
	}
	if p := percentile(lats, 0.99); p != 990*time.Millisecond {
		t.Errorf("p99 = %v", p)
	}
	if p := percentile(lats, 0.999); p != 999*time.Millisecond {
		t.Errorf("p999 = %v", p)
	}
	if p := percentile(nil, 0.5); p != 0 {
		t.Errorf("empty = %v", p)
	}
}

func TestSummarizeJSON(t *testing.T) {
	o := &benchOpts{op: "update", concurrency: 2, count: 4, size: 10}
	res := summarize(o, [][]time.Duration{{time.Millisecond, 3 * time.Millisecond}, {2 * time.Millisecond}}, 1, 2*time.Second)
	data, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"op":"update","concurrency":2,"count":4,"size":10,"ops_per_sec":1.5,"p50_ms":2,"p99_ms":3,"p999_ms":3,"errors":1,"duration_s":2}`
	if string(data) != want {
		t.Errorf("got  %s\nwant %s", data, want)
	}
}

func TestBenchBody(t *testing.T) {
	body := configMapBody(5)
	if string(body) != `{"data":{"v":"xxxxx"}}` {
		t.Fatalf("body %s", body)
	}
	stamp(body, 0x21)
	var v map[string]map[string]string
	if err := json.Unmarshal(body, &v); err != nil || len(v["data"]["v"]) != 5 || v["data"]["v"] == "xxxxx" {
		t.Errorf("stamped body %s: %v", body, err)
	}
	if string(configMapBody(0)) != `{"data":{"v":""}}` {
		t.Error("empty body")
	}
	stamp(configMapBody(0), 7)
}

func TestBenchIndex(t *testing.T) {
	for name, want := range map[string]int{"bench-ab12-0": 0, "bench-ab12-417": 417} {
		if i, ok := benchIndex(name, "bench-ab12-"); !ok || i != want {
			t.Errorf("%s: %d %v", name, i, ok)
		}
	}
	for _, name := range []string{"bench-other-1", "bench-ab12-x", "bench-ab12--1", "cm"} {
		if _, ok := benchIndex(name, "bench-ab12-"); ok {
			t.Errorf("%s accepted", name)
		}
	}
}

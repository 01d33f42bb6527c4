package validation

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkCreateConfigMap measures Create on a ConfigMap with 1 KiB of data.
func BenchmarkCreateConfigMap(b *testing.B) {
	data := map[string]string{}
	for i := 0; i < 8; i++ {
		data[fmt.Sprintf("key-%d", i)] = strings.Repeat("v", 120)
	}
	body, _ := json.Marshal(map[string]any{"data": data})
	obj := newObj("ConfigMap", string(body))
	obj.Metadata.Labels = map[string]string{"app": "bench"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Create(obj); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateConfigMap measures Update of a 1 KiB ConfigMap against its
// stored version, as `drover bench --op update` does.
func BenchmarkUpdateConfigMap(b *testing.B) {
	old, err := Create(newObj("ConfigMap", `{"data":{"v":"`+strings.Repeat("a", 1024)+`"}}`))
	if err != nil {
		b.Fatal(err)
	}
	obj := newObj("ConfigMap", `{"data":{"v":"`+strings.Repeat("b", 1024)+`"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Update(obj, old); err != nil {
			b.Fatal(err)
		}
	}
}

package manifest

import (
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
)

// FuzzDecode checks that Decode never panics and that whatever it accepts
// survives an Encode/Decode round trip.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.yaml"))
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*.yaml"))
	files = append(files, examples...)
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}`))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := Decode(data)
		if err != nil {
			return
		}
		for _, obj := range objs {
			out, err := ToYAML(obj)
			if err != nil {
				t.Fatalf("ToYAML of a decoded object: %v", err)
			}
			back, err := Decode(out)
			if err != nil {
				t.Fatalf("re-decoding %q: %v", out, err)
			}
			if len(back) != 1 || !proto.Equal(back[0], obj) {
				t.Fatalf("round trip changed the object:\n%v\n%v", obj, back)
			}
		}
	})
}

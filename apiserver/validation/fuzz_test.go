package validation

import (
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
)

// FuzzCreate feeds arbitrary bodies and statuses of every kind to Create
// and Update; neither may panic, and an accepted object must be stable.
func FuzzCreate(f *testing.F) {
	seeds := []string{goodPod, `{"data":{"a":"b"}}`, `{"spec":{"ports":[{"port":80}]}}`,
		controller(sel, appLabels, podSpecOK), controller("", "{}", jobPodSpec), `{"stringData":{"a":"b"}}`, `null`, `[]`, `{"spec":7}`}
	for i, s := range seeds {
		f.Add(uint8(i), s, "", "x")
	}
	f.Add(uint8(2), goodPod, `{"phase":"Running"}`, "p")
	f.Fuzz(func(t *testing.T, kind uint8, body, status, name string) {
		k := pb.Kinds[int(kind)%len(pb.Kinds)]
		o := newObj(k.Kind, body, named(name))
		o.Status = []byte(status)
		out, err := Create(o)
		if err != nil {
			return
		}
		if _, err := Create(out); err != nil {
			t.Fatalf("normalized object rejected: %v\n%s", err, out.Body)
		}
		if _, err := Update(o, out); err != nil {
			t.Fatalf("unchanged update rejected: %v", err)
		}
		_, _ = UpdateStatus(o, out)
	})
}

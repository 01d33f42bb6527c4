package validation

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	pb "github.com/drover/drover/proto/droverpb"
)

func TestErrorFormat(t *testing.T) {
	_, err := Create(newObj("Deployment", controller(sel, appLabels, `{"containers":[{"name":"c"}]}`), named("web")))
	want := `Deployment.apps "web" is invalid: spec.template.spec.containers[0].image: Required value`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	var verr *Error
	if !errors.As(err, &verr) || len(verr.Causes) != 1 || verr.Causes[0].Field != "spec.template.spec.containers[0].image" {
		t.Fatalf("errors.As(*Error) = %+v", verr)
	}
	_, err = Create(newObj("Pod", podBody(`[{"name":"c"},{"name":"d"}]`)))
	if err == nil || !strings.Contains(err.Error(), `Pod "x" is invalid: [spec.containers[0].image: Required value, spec.containers[1].image: Required value]`) {
		t.Fatalf("err = %v", err)
	}
}

func TestSizeLimit(t *testing.T) {
	big := strings.Repeat("x", MaxObjectBytes)
	tests := []struct {
		name string
		obj  *pb.Object
		want error
	}{
		{"over the limit", newObj("ConfigMap", fmt.Sprintf(`{"data":{"a":%q}}`, big)), ErrTooLarge},
		{"body far over", newObj("ConfigMap", fmt.Sprintf(`{"data":{"a":%q,"b":%q,"c":%q}}`, big, big, big)), ErrTooLarge},
		{"just under", newObj("ConfigMap", fmt.Sprintf(`{"data":{"a":%q}}`, big[:MaxObjectBytes-100])), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Create(tt.obj)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want != nil && !strings.Contains(err.Error(), fmt.Sprint(MaxObjectBytes)) {
				t.Errorf("message %q does not give the limit", err)
			}
		})
	}
}

func TestDegenerateInput(t *testing.T) {
	tests := []struct {
		name string
		obj  *pb.Object
	}{
		{"nil object", nil},
		{"empty object", &pb.Object{}},
		{"no metadata", &pb.Object{ApiVersion: "v1", Kind: "ConfigMap"}},
		{"null body", newObj("Pod", "null")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Create(tt.obj); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if _, err := Update(newObj("Pod", goodPod), nil); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Update with no stored object: err = %v", err)
	}
}

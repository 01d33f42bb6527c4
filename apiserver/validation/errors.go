package validation

import (
	"errors"
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MaxObjectBytes is the largest object, as measured by proto.Size, that
// Create, Update and UpdateStatus accept.
const MaxObjectBytes = 1536 * 1024

// ErrInvalid is wrapped by every validation failure.
var ErrInvalid = errors.New("invalid")

// ErrTooLarge is wrapped when an object exceeds MaxObjectBytes.
var ErrTooLarge = errors.New("object too large")

// originStrict marks a cause produced by strict decoding (unknown or
// duplicate field); it is rendered as "path: detail".
const originStrict = "strictDecoding"

// Error is a validation failure of one object: its qualified kind
// ("Deployment.apps"), its name, and each problem with its field path.
// It wraps ErrInvalid.
type Error struct {
	// QualifiedKind is Kind, or Kind.group for a non-core group.
	QualifiedKind string
	// Name is the object's metadata.name.
	Name string
	// Causes lists every problem found.
	Causes field.ErrorList
}

// Error renders the failure the way Kubernetes does:
// `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: ...`.
func (e *Error) Error() string {
	msgs := make([]string, 0, len(e.Causes))
	for _, c := range e.Causes {
		msgs = append(msgs, causeString(c))
	}
	body := strings.Join(msgs, ", ")
	if len(msgs) > 1 {
		body = "[" + body + "]"
	}
	return fmt.Sprintf("%s %q is invalid: %s", e.QualifiedKind, e.Name, body)
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *Error) Unwrap() error { return ErrInvalid }

func causeString(c *field.Error) string {
	if c.Origin == originStrict {
		return c.Field + ": " + c.Detail
	}
	return c.Error()
}

// qualifiedKind returns "Kind" for the core group, else "Kind.group".
func qualifiedKind(kind, apiVersion string) string {
	group, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return kind
	}
	return kind + "." + group
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

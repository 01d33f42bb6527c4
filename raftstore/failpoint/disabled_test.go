//go:build !failpoints

package failpoint

import (
	"errors"
	"testing"
)

// Without the tag every point is inert and arming one says why it cannot.
func TestDisabled(t *testing.T) {
	if Enabled {
		t.Fatal("Enabled without the failpoints tag")
	}
	if err := Set(FSMCommitAfter, "exit"); !errors.Is(err, ErrDisabled) {
		t.Fatalf("Set: %v", err)
	}
	if err := Inject(FSMCommitAfter); err != nil {
		t.Fatalf("Inject: %v", err)
	}
	if l := List(); l != nil {
		t.Fatalf("List: %v", l)
	}
	t.Setenv(EnvVar, "")
	if err := SetFromEnv(); err != nil {
		t.Fatalf("empty %s: %v", EnvVar, err)
	}
	t.Setenv(EnvVar, FSMCommitAfter+"=exit")
	if err := SetFromEnv(); !errors.Is(err, ErrDisabled) {
		t.Fatalf("%s set: %v", EnvVar, err)
	}
}

// Inject costs nothing without the tag: inlined, the loop is empty (b.Loop
// would keep the call from being inlined, so b.N it is).
func BenchmarkInjectDisabled(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if err := Inject(FSMCommitAfter); err != nil {
			b.Fatal(err)
		}
	}
}

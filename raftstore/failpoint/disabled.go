//go:build !failpoints

package failpoint

import (
	"fmt"
	"os"
)

// Enabled reports whether failpoints are compiled in: false in this build,
// so sites guarded by it are removed by the compiler.
const Enabled = false

// Inject does nothing and returns nil in this build; the compiler inlines
// it away.
func Inject(string) error { return nil }

// Set fails with ErrDisabled in this build.
func Set(string, string) error { return ErrDisabled }

// List returns nothing in this build.
func List() []Point { return nil }

// SetFromEnv fails with ErrDisabled when EnvVar is set in this build: a
// test that means to inject faults must not run against a binary that
// silently ignores them.
func SetFromEnv() error {
	if os.Getenv(EnvVar) != "" {
		return fmt.Errorf("%s is set: %w", EnvVar, ErrDisabled)
	}
	return nil
}

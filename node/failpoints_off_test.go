//go:build !failpoints

package node

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/drover/drover/raftstore/failpoint"
)

// Without the failpoints tag the endpoints do not exist, and a node told
// to arm failpoints refuses to start instead of ignoring them.
func TestFailpointsAbsentWithoutTag(t *testing.T) {
	mux := http.NewServeMux()
	registerFailpoints(mux)
	for _, req := range []*http.Request{httptest.NewRequest(http.MethodGet, "/debug/failpoints", nil),
		httptest.NewRequest(http.MethodPut, "/debug/failpoints/"+failpoint.FsyncSlow, strings.NewReader("exit"))} {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("%s %s: %d", req.Method, req.URL, rec.Code)
		}
	}
	t.Setenv(failpoint.EnvVar, failpoint.FSMCommitAfter+"=exit")
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	if n, err := Start(cfg); !errors.Is(err, failpoint.ErrDisabled) {
		if n != nil {
			n.Close()
		}
		t.Fatalf("start with %s set: %v", failpoint.EnvVar, err)
	}
}

package node

import (
	"errors"
	"io"
	"net/http"

	"github.com/drover/drover/raftstore/failpoint"
)

// maxFailpointAction bounds a PUT body: an action is a few bytes.
const maxFailpointAction = 256

// registerFailpoints serves the failpoints (raftstore/failpoint), in
// builds with -tags failpoints only; in others the paths are not
// registered (404) and the compiler drops the handlers:
//
//	GET /debug/failpoints         every point as JSON [{"name","action","fired"}]
//	PUT /debug/failpoints/{name}  arm it with the body as its action
//	                              (e.g. sleep(200ms), 1*error, exit, off);
//	                              answers the point's new state, 404 for an
//	                              unknown point, 400 for a bad action
func registerFailpoints(mux *http.ServeMux) {
	if !failpoint.Enabled {
		return
	}
	mux.HandleFunc("GET /debug/failpoints", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, failpoint.List())
	})
	mux.HandleFunc("PUT /debug/failpoints/{name}", putFailpoint)
}

// putFailpoint arms one point with the action in the request body.
func putFailpoint(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxFailpointAction))
	if err != nil {
		http.Error(w, "reading the action: "+err.Error(), http.StatusBadRequest)
		return
	}
	if err := failpoint.Set(name, string(body)); err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, failpoint.ErrUnknownPoint) {
			code = http.StatusNotFound
		}
		http.Error(w, err.Error(), code)
		return
	}
	for _, p := range failpoint.List() {
		if p.Name == name {
			writeJSON(w, p)
		}
	}
}

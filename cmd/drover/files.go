package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/drover/drover/client/manifest"
	pb "github.com/drover/drover/proto/droverpb"
)

// manifestExts are the file extensions read from a directory.
var manifestExts = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// readManifests decodes the objects of every -f argument in order: a file,
// a directory (its *.yaml, *.yml and *.json files, sorted, not recursive) or
// "-" for stdin.
func readManifests(paths []string, stdin io.Reader) ([]*pb.Object, error) {
	var out []*pb.Object
	for _, p := range paths {
		files, err := expandPath(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			objs, err := readManifestFile(f, stdin)
			if err != nil {
				return nil, err
			}
			out = append(out, objs...)
		}
	}
	return out, nil
}

// expandPath lists the files a -f argument stands for.
func expandPath(p string) ([]string, error) {
	if p == "-" {
		return []string{p}, nil
	}
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{p}, nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && manifestExts[strings.ToLower(filepath.Ext(e.Name()))] {
			files = append(files, filepath.Join(p, e.Name()))
		}
	}
	sort.Strings(files)
	return files, nil
}

// readManifestFile decodes one file, or stdin for "-".
func readManifestFile(name string, stdin io.Reader) ([]*pb.Object, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, err
	}
	objs, err := manifest.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", displayName(name), err)
	}
	return objs, nil
}

// displayName names stdin in messages.
func displayName(name string) string {
	if name == "-" {
		return "<stdin>"
	}
	return name
}

// placeObject resolves an object's kind and fills in its namespace: the
// manifest's, else -n, else "default"; cluster-scoped kinds have none. A
// manifest namespace that contradicts -n is an error, as in kubectl.
func placeObject(obj *pb.Object, flagNS string) (*pb.KindInfo, error) {
	k, err := pb.ResolveKind(obj.GetKind())
	if err != nil {
		return nil, err
	}
	if obj.Metadata == nil {
		obj.Metadata = &pb.ObjectMeta{}
	}
	if obj.Metadata.Name == "" {
		return nil, fmt.Errorf("%s: metadata.name is required", resourceName(k.Kind, k.APIVersion))
	}
	md := obj.Metadata
	switch {
	case !k.Namespaced:
		md.Namespace = ""
	case md.Namespace != "" && flagNS != "" && md.Namespace != flagNS:
		return nil, fmt.Errorf("the namespace from the provided object %q does not match the namespace %q. You must pass '--namespace=%s' to perform this operation",
			md.Namespace, flagNS, md.Namespace)
	case md.Namespace == "":
		md.Namespace = defaultNamespace(flagNS)
	}
	return k, nil
}

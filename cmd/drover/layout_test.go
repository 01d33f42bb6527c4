package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/drover/drover/"

// allowedImports is DESIGN.md's layout table: which of our folders each
// folder may import (its own subfolders always).
var allowedImports = map[string][]string{
	"proto":        nil,
	"raftstore":    {"proto"},
	"apiserver":    {"proto", "raftstore"},
	"client":       {"proto"},
	"node":         {"proto", "raftstore", "apiserver", "client", "controllers"},
	"cmd":          {"proto", "raftstore", "apiserver", "client", "node", "controllers", "agent", "cluster-test"},
	"cluster-test": {"proto", "client"},
}

// topFolder returns the first path element of a package in this module.
func topFolder(pkg string) string {
	rest := strings.TrimPrefix(pkg, module)
	top, _, _ := strings.Cut(rest, "/")
	return top
}

// Imports point the way DESIGN.md says, so that the layout stays true.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		from := topFolder(fields[0])
		allowed, known := allowedImports[from]
		if !known {
			t.Errorf("%s: folder %q is not in DESIGN.md's layout", fields[0], from)
			continue
		}
		for _, imp := range fields[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			to := topFolder(imp)
			if to != from && !slices.Contains(allowed, to) {
				t.Errorf("%s imports %s: %s/ may import only %v", fields[0], imp, from, allowed)
			}
		}
	}
}

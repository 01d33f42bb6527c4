package manifest

import (
	"bytes"
	"strings"
)

// document is one YAML document of a stream with the 1-based line it starts
// on, used to point error messages at the right place.
type document struct {
	data      []byte
	startLine int
}

// splitYAML cuts a stream at lines that start with the "---" separator. A
// separator line may carry a trailing comment; documents are returned even if
// empty so that document numbers match what a reader counts.
func splitYAML(data []byte) []document {
	var docs []document
	var cur bytes.Buffer
	start := 1
	lines := bytes.SplitAfter(data, []byte("\n"))
	for i, line := range lines {
		if isSeparator(line) {
			docs = append(docs, document{data: bytes.Clone(cur.Bytes()), startLine: start})
			cur.Reset()
			start = i + 2
			continue
		}
		cur.Write(line)
	}
	return append(docs, document{data: cur.Bytes(), startLine: start})
}

// isSeparator reports whether line is a "---" document separator.
func isSeparator(line []byte) bool {
	s := strings.TrimRight(string(line), " \t\r\n")
	if !strings.HasPrefix(s, "---") {
		return false
	}
	rest := strings.TrimSpace(s[3:])
	return rest == "" || strings.HasPrefix(rest, "#")
}

// isBlank reports whether a document holds only whitespace and comments.
func isBlank(data []byte) bool {
	for _, line := range bytes.Split(data, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' {
			return false
		}
	}
	return true
}

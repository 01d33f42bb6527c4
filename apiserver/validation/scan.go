package validation

import (
	"bytes"
	"encoding/json"
)

// envelopeKeys are top-level fields that travel outside the body.
var envelopeKeys = [...]string{"apiVersion", "kind", "metadata", "status"}

// topKeys calls fn with each raw (still escaped) key of the top-level
// object in b, which must be valid JSON; it stops when fn returns false.
// It allocates nothing, so that checking a body's keys stays cheap.
func topKeys(b []byte, fn func(key []byte) bool) {
	depth, expectKey := 0, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			end := stringEnd(b, i+1)
			if depth == 1 && expectKey {
				if !fn(b[i+1 : end]) {
					return
				}
				expectKey = false
			}
			i = end
		case '{', '[':
			depth++
			expectKey = c == '{' && depth == 1
		case '}', ']':
			depth--
		case ',':
			expectKey = expectKey || depth == 1
		}
	}
}

// stringEnd returns the index of the quote closing the string whose
// contents start at i.
func stringEnd(b []byte, i int) int {
	for ; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(b)
}

// envelopeKeysIn lists the envelope keys present at the top level of b.
// A key written with escapes is compared after unescaping.
func envelopeKeysIn(b []byte) []string {
	var found []string
	topKeys(b, func(key []byte) bool {
		if bytes.IndexByte(key, '\\') >= 0 {
			var s string
			if json.Unmarshal(append(append([]byte{'"'}, key...), '"'), &s) == nil {
				key = []byte(s)
			}
		}
		for _, k := range envelopeKeys {
			if string(key) == k {
				found = append(found, k)
			}
		}
		return true
	})
	return found
}

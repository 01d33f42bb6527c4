package validation

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
)

// decodeBody strictly decodes a body (a JSON object without the envelope
// keys) into v. An empty body decodes as {}.
func decodeBody(body []byte, v any) field.ErrorList {
	if len(body) == 0 {
		return nil
	}
	if firstByte(body) != '{' {
		return field.ErrorList{field.Invalid(field.NewPath("body"), "", "must be a JSON object")}
	}
	strict, err := sigsjson.UnmarshalStrict(body, v)
	if err != nil {
		return field.ErrorList{decodeError(err, "")}
	}
	var errs field.ErrorList
	for _, k := range envelopeKeysIn(body) {
		errs = append(errs, field.Forbidden(field.NewPath(k), "must be carried in the object envelope, not in the body"))
	}
	if len(errs) > 0 {
		return errs
	}
	return strictErrors(strict, "")
}

// decodeStatus strictly decodes a status document into v.
func decodeStatus(status []byte, v any) field.ErrorList {
	if len(status) == 0 {
		return nil
	}
	return decodeStrict(status, v, "status")
}

// decodeStrict decodes data into v rejecting unknown and duplicate fields,
// case-sensitively; every problem is reported with its path under prefix.
func decodeStrict(data []byte, v any, prefix string) field.ErrorList {
	strict, err := sigsjson.UnmarshalStrict(data, v)
	if err != nil {
		return field.ErrorList{decodeError(err, prefix)}
	}
	return strictErrors(strict, prefix)
}

func strictErrors(strict []error, prefix string) field.ErrorList {
	var errs field.ErrorList
	for _, s := range strict {
		errs = append(errs, strictError(s, prefix))
	}
	return errs
}

// strictError turns `unknown field "spec.x"` into a cause at spec.x.
func strictError(err error, prefix string) *field.Error {
	msg := err.Error()
	detail, path, ok := strings.Cut(msg, ` field "`)
	if !ok {
		return &field.Error{Type: field.ErrorTypeInvalid, Field: prefix, Detail: msg, Origin: originStrict}
	}
	path = strings.TrimSuffix(path, `"`)
	return &field.Error{Type: field.ErrorTypeForbidden, Field: join(prefix, path), Detail: detail + " field", Origin: originStrict}
}

// decodeError reports a syntax or type error.
func decodeError(err error, prefix string) *field.Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		detail := "must be of type " + te.Type.String() + ", not " + te.Value
		return &field.Error{Type: field.ErrorTypeInvalid, Field: join(prefix, te.Field), Detail: detail, Origin: originStrict}
	}
	where := prefix
	if where == "" {
		where = "body"
	}
	return &field.Error{Type: field.ErrorTypeInvalid, Field: where, Detail: strings.TrimPrefix(err.Error(), "json: "), Origin: originStrict}
}

func join(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "":
		return prefix
	}
	return prefix + "." + path
}

// encodeBody re-encodes a typed object, whose envelope fields are zero, as
// a body: the JSON object without the envelope keys. Zero metadata encodes
// as the leading "metadata":{} and zero status as the trailing
// "status":{}, which are cut; anything else falls back to a generic strip.
func encodeBody(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	// encoding/json writes TypeMeta's keys (when set) first, then
	// metadata, the spec fields and status last. Empty metadata and status
	// are cut here; if both went, or there is no status anywhere, no
	// envelope key is left and the document need not be scanned.
	rest, metaCut := bytes.CutPrefix(b, []byte(`{"metadata":{}`))
	if metaCut {
		b = append([]byte{'{'}, bytes.TrimPrefix(rest, []byte{','})...)
	}
	rest, statusCut := bytes.CutSuffix(b, []byte(`"status":{}}`))
	if statusCut {
		b = append(bytes.TrimSuffix(rest, []byte{','}), '}')
	}
	if metaCut && (statusCut || !bytes.Contains(b, []byte(`"status":`))) {
		return b, nil
	}
	if len(envelopeKeysIn(b)) > 0 {
		return stripKeys(b)
	}
	return b, nil
}

// stripKeys removes the envelope keys from a JSON object.
func stripKeys(b []byte) ([]byte, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, err
	}
	for _, k := range envelopeKeys {
		delete(top, k)
	}
	return json.Marshal(top)
}

func firstByte(b []byte) byte {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 {
		return 0
	}
	return b[0]
}

package validation

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// strategy is what Create, Update and UpdateStatus need from one kind.
type strategy interface {
	// create decodes, defaults and validates a new body and its status;
	// it returns the normalized body and the initial status.
	create(body, status []byte) (outBody, outStatus []byte, errs field.ErrorList)
	// update does the same for a changed body, checking immutable fields
	// against the stored body old.
	update(body, old []byte) ([]byte, field.ErrorList)
	// updateStatus decodes and validates a status, returning it normalized.
	updateStatus(status []byte) ([]byte, field.ErrorList)
}

// typed implements strategy for a Kubernetes type T with status type S.
// Hooks left nil are skipped.
type typed[T, S any] struct {
	// prepare runs after decoding and before defaulting (Secret's
	// stringData merge).
	prepare func(*T)
	// defaults applies the Kubernetes defaults.
	defaults func(*T)
	// validate checks a defaulted object.
	validate func(*T) field.ErrorList
	// validateUpdate checks immutable fields; old is the stored object.
	validateUpdate func(obj, old *T) field.ErrorList
	// oldMatters, when set, tells from the stored body's bytes whether
	// validateUpdate has anything to check; when it has not, the stored
	// body is not decoded at all (the update hot path of ConfigMaps).
	oldMatters func(oldBody []byte) bool
	// validateStatus checks a status; nil with noStatus for kinds without one.
	validateStatus func(*S) field.ErrorList
	// noStatus is true for kinds without a status subresource.
	noStatus bool
	// initialStatus is the status a new object starts with (Namespace).
	initialStatus []byte
}

func (s *typed[T, S]) create(body, status []byte) ([]byte, []byte, field.ErrorList) {
	obj, errs := s.decode(body)
	errs = append(errs, s.checkStatus(status)...)
	if len(errs) > 0 {
		return nil, nil, errs
	}
	if s.validate != nil {
		errs = s.validate(obj)
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	out, err := encodeBody(obj)
	if err != nil {
		return nil, nil, field.ErrorList{field.InternalError(nil, err)}
	}
	return out, s.initialStatus, nil
}

func (s *typed[T, S]) update(body, oldBody []byte) ([]byte, field.ErrorList) {
	obj, errs := s.decode(body)
	if len(errs) > 0 {
		return nil, errs
	}
	if s.validate != nil {
		errs = s.validate(obj)
	}
	if s.validateUpdate != nil && (s.oldMatters == nil || s.oldMatters(oldBody)) {
		old := new(T)
		if errs := decodeStrict(nonEmpty(oldBody), old, ""); len(errs) > 0 {
			return nil, field.ErrorList{field.InternalError(nil, fmt.Errorf("stored object: %v", errs.ToAggregate()))}
		}
		errs = append(errs, s.validateUpdate(obj, old)...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	out, err := encodeBody(obj)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(nil, err)}
	}
	return out, nil
}

func (s *typed[T, S]) updateStatus(status []byte) ([]byte, field.ErrorList) {
	if s.noStatus {
		return nil, field.ErrorList{field.Forbidden(field.NewPath("status"), "this kind has no status")}
	}
	st := new(S)
	errs := decodeStatus(status, st)
	if len(errs) == 0 && s.validateStatus != nil {
		errs = s.validateStatus(st)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if len(status) == 0 {
		return nil, nil
	}
	out, err := json.Marshal(st)
	if err != nil {
		return nil, field.ErrorList{field.InternalError(nil, err)}
	}
	return out, nil
}

// decode strictly decodes a body, then prepares and defaults it.
func (s *typed[T, S]) decode(body []byte) (*T, field.ErrorList) {
	obj := new(T)
	if errs := decodeBody(body, obj); len(errs) > 0 {
		return nil, errs
	}
	if s.prepare != nil {
		s.prepare(obj)
	}
	if s.defaults != nil {
		s.defaults(obj)
	}
	return obj, nil
}

// checkStatus strictly decodes a status given on create; the status itself
// is then dropped, as Kubernetes does.
func (s *typed[T, S]) checkStatus(status []byte) field.ErrorList {
	if len(status) == 0 {
		return nil
	}
	if s.noStatus {
		return field.ErrorList{field.Forbidden(field.NewPath("status"), "this kind has no status")}
	}
	return decodeStatus(status, new(S))
}

func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return []byte("{}")
	}
	return b
}

package linear_test

import (
	"time"

	"github.com/drover/drover/cluster-test/history"
)

// ms is a history time n milliseconds after the start.
func ms(n int) int64 { return int64(time.Duration(n) * time.Millisecond) }

// span is an operation's client and interval, in milliseconds.
type span struct{ client, invoke, ret int }

func (s span) op(kind history.Kind, name string) history.Operation {
	return history.Operation{Client: s.client, Kind: kind, Name: name, Invoke: ms(s.invoke), Return: ms(s.ret), Outcome: history.OK}
}

func create(s span, name, value string, rv uint64) history.Operation {
	op := s.op(history.Create, name)
	op.Value, op.Result = value, &history.Item{Name: name, Value: value, Revision: rv}
	return op
}

func update(s span, name, value string, pre, rv uint64) history.Operation {
	op := create(s, name, value, rv)
	op.Kind, op.Precondition = history.Update, pre
	return op
}

// del is an ok delete of name at precondition pre, which removed value at
// revision rv.
func del(s span, name string, pre uint64, value string, rv uint64) history.Operation {
	op := s.op(history.Delete, name)
	op.Precondition, op.Result = pre, &history.Item{Name: name, Value: value, Revision: rv}
	return op
}

// get returns value@rv, or not found when value is "".
func get(s span, name, value string, rv uint64) history.Operation {
	op := s.op(history.Get, name)
	if value != "" {
		op.Found, op.Result = true, &history.Item{Name: name, Value: value, Revision: rv}
	}
	return op
}

func list(s span, at, rev uint64, items ...history.Item) history.Operation {
	op := s.op(history.List, "")
	op.AtRevision, op.Revision, op.Items = at, rev, items
	return op
}

func it(name, value string, rv uint64) history.Item {
	return history.Item{Name: name, Value: value, Revision: rv}
}

// unknown turns a write into one that timed out (Return is the give-up).
func unknown(op history.Operation) history.Operation {
	op.Outcome, op.Code, op.Result = history.Unknown, "DeadlineExceeded", nil
	return op
}

// failed turns a write into a definite failure with code.
func failed(op history.Operation, code string) history.Operation {
	op.Outcome, op.Code, op.Result = history.Fail, code, nil
	return op
}

func ev(t history.EventType, rev uint64, name, value string) history.Event {
	return history.Event{Type: t, Revision: rev, Name: name, Value: value}
}

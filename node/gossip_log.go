package node

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"sync/atomic"
)

// newMemberlistLogger turns memberlist's "[LEVEL] memberlist: message"
// lines into structured log records at the matching level. Once stopping
// is set, errors are logged at debug level: memberlist's goroutines report
// the sockets its own shutdown closes.
func newMemberlistLogger(l *slog.Logger, stopping *atomic.Bool) *log.Logger {
	return log.New(memberlistWriter{l.With("component", "gossip"), stopping}, "", 0)
}

type memberlistWriter struct {
	l        *slog.Logger
	stopping *atomic.Bool
}

var memberlistLevels = []struct {
	prefix []byte
	level  slog.Level
}{
	{[]byte("[DEBUG]"), slog.LevelDebug},
	{[]byte("[INFO]"), slog.LevelInfo},
	{[]byte("[WARN]"), slog.LevelWarn},
	{[]byte("[ERR]"), slog.LevelError},
	{[]byte("[ERROR]"), slog.LevelError},
}

func (w memberlistWriter) Write(p []byte) (int, error) {
	msg, level := bytes.TrimSpace(p), slog.LevelInfo
	for _, lv := range memberlistLevels {
		if rest, ok := bytes.CutPrefix(msg, lv.prefix); ok {
			msg, level = bytes.TrimSpace(rest), lv.level
			break
		}
	}
	msg = bytes.TrimPrefix(msg, []byte("memberlist: "))
	if w.stopping.Load() {
		level = min(level, slog.LevelDebug)
	}
	w.l.Log(context.Background(), level, string(msg))
	return len(p), nil
}

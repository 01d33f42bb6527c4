package node

import (
	"bytes"
	"context"
	"log"
	"log/slog"
)

// newMemberlistLogger turns memberlist's "[LEVEL] memberlist: message"
// lines into structured log records at the matching level.
func newMemberlistLogger(l *slog.Logger) *log.Logger {
	return log.New(memberlistWriter{l.With("component", "gossip")}, "", 0)
}

type memberlistWriter struct{ l *slog.Logger }

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
	w.l.Log(context.Background(), level, string(msg))
	return len(p), nil
}

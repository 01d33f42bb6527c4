package node

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// NATS: every node runs a NATS server (nats-server as a library) and
// publishes the events it applies to it (events_nats.go), so that any NATS
// client can follow a kind, a namespace or one node's pods. Clients
// authenticate with a token the node generates once and keeps in its data
// dir (NATSTokenPath). With --nats-url the node publishes to an existing
// NATS instead and runs no server.

// natsMaxPayload lets an event carry an object of 1.5 MiB and its previous
// state.
const natsMaxPayload = 8 << 20

// NATSTokenPath is where a node keeps the token its NATS server requires.
func NATSTokenPath(dataDir string) string { return filepath.Join(dataDir, "nats", "token") }

// natsTokenBytes is the token's entropy.
const natsTokenBytes = 24

// loadOrCreateToken returns the token stored at path, creating it first.
func loadOrCreateToken(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		if tok := strings.TrimSpace(string(b)); tok != "" {
			return tok, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, natsTokenBytes)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails (Go 1.24)
	tok := hex.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(tok+"\n"), 0o600); err != nil {
		return "", err
	}
	return tok, os.Rename(tmp, path)
}

// embeddedNATS is the node's own NATS server.
type embeddedNATS struct {
	srv   *server.Server
	token string
}

// startNATS runs a NATS server on addr (port 0 picks a free port) that
// requires the node's token.
func startNATS(id, addr, dataDir string, logger *slog.Logger) (*embeddedNATS, error) {
	host, port, err := splitAddr("nats", addr)
	if err != nil {
		return nil, err
	}
	if port == 0 {
		port = server.RANDOM_PORT
	}
	token, err := loadOrCreateToken(NATSTokenPath(dataDir))
	if err != nil {
		return nil, fmt.Errorf("nats token: %w", err)
	}
	opts := &server.Options{ServerName: id, Host: host, Port: port, Authorization: token,
		NoSigs: true, MaxPayload: natsMaxPayload}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	srv.SetLoggerV2(natsLogger{logger.With("component", "nats")}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, fmt.Errorf("nats server on %s did not start", addr)
	}
	return &embeddedNATS{srv: srv, token: token}, nil
}

// URL is where clients reach the server, without credentials.
func (e *embeddedNATS) URL() string { return e.srv.ClientURL() }

func (e *embeddedNATS) shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}

// connectNATS connects the node's publisher. With an embedded server (srv
// set) it connects in process, without a socket, and uses the token; an
// external URL carries its own credentials.
func connectNATS(id, url, token string, srv *server.Server, logger *slog.Logger) (*nats.Conn, error) {
	opts := []nats.Option{nats.Name("drover-node-" + id), nats.MaxReconnects(-1),
		nats.ReconnectWait(100 * time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				logger.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { logger.Info("nats reconnected") })}
	if token != "" {
		opts = append(opts, nats.Token(token))
	}
	if srv != nil {
		opts = append(opts, nats.InProcessServer(srv))
	}
	return nats.Connect(url, opts...)
}

// natsLogger passes the server's log lines to slog.
type natsLogger struct{ l *slog.Logger }

func (n natsLogger) Noticef(format string, v ...any) { n.l.Debug(fmt.Sprintf(format, v...)) }
func (n natsLogger) Warnf(format string, v ...any)   { n.l.Warn(fmt.Sprintf(format, v...)) }
func (n natsLogger) Fatalf(format string, v ...any)  { n.l.Error(fmt.Sprintf(format, v...)) }
func (n natsLogger) Errorf(format string, v ...any)  { n.l.Error(fmt.Sprintf(format, v...)) }
func (n natsLogger) Debugf(format string, v ...any)  { n.l.Debug(fmt.Sprintf(format, v...)) }
func (n natsLogger) Tracef(format string, v ...any)  {}

// Package embeddedmongo runs FerretDB (v1) inside the process, so the todos service speaks the
// MongoDB wire protocol without a MongoDB server: SQLite files in a directory by default, or
// PostgreSQL when a URL is given. It is used only when MONGODB_URI is not set.
package embeddedmongo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// Config says where FerretDB keeps its data.
type Config struct {
	// SQLiteDir is the directory of the SQLite backend (created if missing).
	// Used when PostgresURL is empty.
	SQLiteDir string
	// PostgresURL selects FerretDB's PostgreSQL backend.
	PostgresURL string
	// Addr is the TCP address to listen on; default "127.0.0.1:0" (a free port).
	Addr string
	// Logger receives FerretDB's own logs; nil discards them.
	Logger *slog.Logger
}

// Server is a running embedded FerretDB.
type Server struct {
	uri     string
	backend string
	cancel  context.CancelFunc
	done    chan struct{}
}

// Start starts FerretDB and returns once it accepts connections.
// Call Stop to shut it down; it does not stop on its own.
func Start(cfg Config) (*Server, error) {
	fc := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: cfg.Addr},
		Logger:   cfg.Logger,
	}
	if fc.Listener.TCP == "" {
		fc.Listener.TCP = "127.0.0.1:0"
	}
	if fc.Logger == nil {
		fc.Logger = slog.New(slog.DiscardHandler)
	}

	var backend string
	if cfg.PostgresURL != "" {
		fc.Handler = "postgresql"
		fc.PostgreSQLURL = cfg.PostgresURL
		backend = "postgresql"
	} else {
		dir := cfg.SQLiteDir
		if dir == "" {
			return nil, errors.New("embedded FerretDB: SQLite directory is empty")
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("embedded FerretDB: SQLite directory %q: %w", dir, err)
		}
		if err := os.MkdirAll(abs, 0o750); err != nil {
			return nil, fmt.Errorf("embedded FerretDB: create SQLite directory: %w", err)
		}
		fc.Handler = "sqlite"
		fc.SQLiteURL = sqliteURL(abs)
		backend = "sqlite " + abs
	}

	f, err := ferretdb.New(fc)
	if err != nil {
		return nil, fmt.Errorf("embedded FerretDB (%s): %w", backend, err)
	}

	// The listener is bound by New; Run accepts connections until its context ends,
	// then closes every connection and the backend.
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{uri: f.MongoDBURI(), backend: backend, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		_ = f.Run(ctx) // always nil
	}()
	return s, nil
}

// sqliteURL turns an absolute directory into the "file:" URI FerretDB expects
// (path ending with a slash).
func sqliteURL(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: p}).EscapedPath()}
	return u.String()
}

// URI is the mongodb:// connection string of the running instance.
func (s *Server) URI() string { return s.uri }

// Backend describes the storage in use, for logs ("sqlite /path" or "postgresql").
func (s *Server) Backend() string { return s.backend }

// Stop stops accepting connections, closes open ones and the backend, and waits for that.
func (s *Server) Stop() {
	s.cancel()
	<-s.done
}

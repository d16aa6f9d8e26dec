// Package httpserver runs an http.Server with the timeouts every service uses, announces the
// bound address in a "listening" log record, and shuts down gracefully when its context ends.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Server timeouts.
const (
	ReadHeaderTimeout = 10 * time.Second
	IdleTimeout       = 120 * time.Second
	ShutdownTimeout   = 10 * time.Second
)

// Serve listens on addr (":4001", "127.0.0.1:0", ...), logs exactly one record with msg
// "listening" and attributes addr="127.0.0.1:PORT" and url="http://127.0.0.1:PORT" (the
// bound address; 127.0.0.1 when bound to all interfaces), and serves h until ctx is done.
// The "listening" record is written whatever the logger's level (tools such as platformtest
// wait for it).
//
// When ctx is done it shuts down gracefully: it stops accepting, closes the channel returned
// by ShutdownSignal (hijacked connections such as websockets must watch it, or the request
// context they were started with), and waits up to 10 s for in-flight requests. It returns nil
// after a clean shutdown and the error otherwise.
func Serve(ctx context.Context, addr string, h http.Handler, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.Default()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("httpserver: cannot listen on %q: %w (is another process using the port? choose another with PORT)", addr, err)
	}

	shutdown := make(chan struct{})
	var closeShutdown sync.Once
	base := context.WithValue(context.WithoutCancel(ctx), shutdownKey{}, (<-chan struct{})(shutdown))
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		IdleTimeout:       IdleTimeout,
		BaseContext:       func(net.Listener) context.Context { return base },
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	srv.RegisterOnShutdown(func() { closeShutdown.Do(func() { close(shutdown) }) })

	bound := LocalAddr(ln.Addr())
	logListening(ctx, logger, bound)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		closeShutdown.Do(func() { close(shutdown) })
		return fmt.Errorf("httpserver: serving %s: %w", bound, err)
	case <-ctx.Done():
	}

	logger.LogAttrs(ctx, slog.LevelInfo, "shutting down", slog.String("addr", bound))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		_ = srv.Close()
		<-served
		return fmt.Errorf("httpserver: requests still running on %s after %s, closed them: %w", bound, ShutdownTimeout, err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("httpserver: serving %s: %w", bound, err)
	}
	return nil
}

// logListening writes the "listening" record at info, bypassing the level filter.
func logListening(ctx context.Context, logger *slog.Logger, bound string) {
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "listening", 0)
	r.AddAttrs(slog.String("addr", bound), slog.String("url", "http://"+bound))
	_ = logger.Handler().Handle(ctx, r)
}

// LocalAddr returns a dialable "host:port" for a listener address: an unspecified IP (0.0.0.0
// or ::) becomes 127.0.0.1.
func LocalAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	host := "127.0.0.1"
	if tcp.IP != nil && !tcp.IP.IsUnspecified() {
		host = tcp.IP.String()
	}
	return net.JoinHostPort(host, strconv.Itoa(tcp.Port))
}

type shutdownKey struct{}

// ShutdownSignal returns a channel that is closed when the Serve call that accepted the
// request starts shutting down. Handlers of long-lived hijacked connections (websockets)
// select on it to close their connections. For a context not derived from a request served by
// Serve it returns nil (a channel that never closes).
func ShutdownSignal(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(shutdownKey{}).(<-chan struct{})
	return ch
}

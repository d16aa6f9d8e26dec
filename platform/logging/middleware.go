package logging

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"

	"github.com/felixge/httpsnoop"
)

// RequestIDHeader is the header that carries the request id in both directions.
const RequestIDHeader = "X-Request-Id"

// quietPaths are logged at debug instead of info: probes and scrapes would drown the log.
var quietPaths = map[string]bool{"/health": true, "/ready": true, "/metrics": true}

// Middleware takes the X-Request-Id of the request when it is sane (1 to 128 printable ASCII
// characters without spaces) or makes a new one, sets it on the response, puts it and logger
// in the request context, and logs one line per request (msg "request") with method, path,
// status, bytes and duration_ms: at info, or at debug for /health, /ready and /metrics.
// The wrapped ResponseWriter keeps Flusher and Hijacker, so SSE and websockets still work.
func Middleware(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get(RequestIDHeader)
			if !saneRequestID(id) {
				id = NewRequestID()
			}
			w.Header().Set(RequestIDHeader, id)
			ctx := WithLogger(WithRequestID(r.Context(), id), logger)
			r = r.WithContext(ctx)

			m := httpsnoop.CaptureMetricsFn(w, func(w http.ResponseWriter) { next.ServeHTTP(w, r) })

			level := slog.LevelInfo
			if quietPaths[r.URL.Path] {
				level = slog.LevelDebug
			}
			logger.LogAttrs(ctx, level, "request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", m.Code),
				slog.Int64("bytes", m.Written),
				slog.Float64("duration_ms", float64(m.Duration.Microseconds())/1000),
			)
		})
	}
}

// NewRequestID returns a random 32-character hex id.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func saneRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

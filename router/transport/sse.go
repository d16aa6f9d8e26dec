package transport

import (
	"bytes"
	"log/slog"
	"net/http"
	"sync"

	"fedstack/router/engine"
)

// serveSSE streams a subscription as server-sent events ("distinct connections" mode of
// the GraphQL over SSE protocol): `event: next` per result, then `event: complete`.
func serveSSE(w http.ResponseWriter, r *http.Request, ex Executor, b *engine.Bound, opts engine.ExecOptions, logger *slog.Logger) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeStatusErrors(w, http.StatusInternalServerError, MediaJSON, "streaming is not supported by this server")
		return
	}
	w.Header().Set("Content-Type", MediaEventStream+"; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Connection", "keep-alive")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	flusher.Flush()
	sw := &sseWriter{w: w, f: flusher}
	if err := ex.Subscribe(r.Context(), b, opts, sw); err != nil && r.Context().Err() == nil {
		logger.WarnContext(r.Context(), "sse subscription ended with an error", "error", err.Error())
	}
	sw.Complete()
}

type sseWriter struct {
	mu   sync.Mutex
	w    http.ResponseWriter
	f    http.Flusher
	buf  bytes.Buffer
	done bool
}

func (s *sseWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *sseWriter) Flush() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done || s.buf.Len() == 0 {
		return nil
	}
	_, err := s.w.Write([]byte("event: next\ndata: "))
	if err == nil {
		_, err = s.w.Write(bytes.ReplaceAll(s.buf.Bytes(), []byte("\n"), []byte("\ndata: ")))
	}
	if err == nil {
		_, err = s.w.Write([]byte("\n\n"))
	}
	s.buf.Reset()
	s.f.Flush()
	return err
}

func (s *sseWriter) Complete() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return
	}
	s.done = true
	_, _ = s.w.Write([]byte("event: complete\ndata:\n\n"))
	s.f.Flush()
}

func (s *sseWriter) Heartbeat() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil
	}
	_, err := s.w.Write([]byte(":\n\n"))
	s.f.Flush()
	return err
}

func (s *sseWriter) Error(data []byte) {
	_, _ = s.Write(data)
	_ = s.Flush()
}

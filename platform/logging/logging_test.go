package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"fedstack/platform/logging"
)

func records(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

func TestRecordsCarryServiceRequestAndTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	logger := logging.New(&buf, "todos", "debug")

	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("t").Start(logging.WithRequestID(context.Background(), "r1"), "op")
	logger.InfoContext(ctx, "hello")
	span.End()

	r := records(t, &buf)[0]
	sc := span.SpanContext()
	if r["service"] != "todos" || r["request_id"] != "r1" || r["trace_id"] != sc.TraceID().String() || r["span_id"] != sc.SpanID().String() {
		t.Errorf("record = %v", r)
	}
}

func TestLevel(t *testing.T) {
	var buf bytes.Buffer
	logger := logging.New(&buf, "s", "warn")
	logger.Info("hidden")
	logger.Warn("shown")
	if got := records(t, &buf); len(got) != 1 || got[0]["msg"] != "shown" {
		t.Errorf("records = %v", got)
	}
}

func TestMiddleware(t *testing.T) {
	var buf bytes.Buffer
	logger := logging.New(&buf, "s", "info")
	var seen string
	h := logging.Middleware(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = logging.RequestID(r.Context())
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte("hello"))
	}))

	// A sane incoming id is kept.
	req := httptest.NewRequest("POST", "/graphql", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if seen != "abc-123" || rec.Header().Get("X-Request-Id") != "abc-123" {
		t.Errorf("request id %q / header %q", seen, rec.Header().Get("X-Request-Id"))
	}
	r := records(t, &buf)
	if len(r) != 1 {
		t.Fatalf("want 1 record, got %v", r)
	}
	if r[0]["msg"] != "request" || r[0]["method"] != "POST" || r[0]["path"] != "/graphql" ||
		r[0]["status"] != float64(201) || r[0]["bytes"] != float64(5) || r[0]["request_id"] != "abc-123" {
		t.Errorf("record = %v", r[0])
	}
	if _, ok := r[0]["duration_ms"].(float64); !ok {
		t.Errorf("no duration_ms in %v", r[0])
	}

	// An insane one is replaced.
	buf.Reset()
	req = httptest.NewRequest("GET", "/x", nil)
	req.Header.Set("X-Request-Id", strings.Repeat("a", 129))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if len(seen) != 32 || rec.Header().Get("X-Request-Id") != seen {
		t.Errorf("generated id %q", seen)
	}

	// Probes are logged at debug only.
	buf.Reset()
	for _, p := range []string{"/health", "/ready", "/metrics"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	if buf.Len() != 0 {
		t.Errorf("probe requests logged at info: %s", buf.String())
	}
}

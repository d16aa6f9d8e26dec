package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"

	"fedstack/platform/config"
	"fedstack/platform/telemetry"
)

func TestPropagationBetweenTwoServices(t *testing.T) {
	ctx := context.Background()
	env := config.New(func(string) string { return "" })
	front, err := telemetry.Setup(ctx, "router", env)
	if err != nil {
		t.Fatal(err)
	}
	defer front.Shutdown(ctx)
	back, err := telemetry.Setup(ctx, "todos", env)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Shutdown(ctx)

	var gotTraceparent string
	var backSpan trace.SpanContext
	backend := httptest.NewServer(back.Middleware("graphql")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotTraceparent = r.Header.Get("traceparent")
		backSpan = trace.SpanContextFromContext(r.Context())
	})))
	defer backend.Close()

	client := &http.Client{Transport: front.Transport(nil)}
	ctx, span := front.Tracer("test").Start(ctx, "query")
	req, _ := http.NewRequestWithContext(ctx, "GET", backend.URL, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	span.End()

	if gotTraceparent == "" {
		t.Fatal("no traceparent sent")
	}
	if !backSpan.IsValid() || backSpan.TraceID() != span.SpanContext().TraceID() {
		t.Errorf("server span %v not in trace %v", backSpan.TraceID(), span.SpanContext().TraceID())
	}
}

func TestOTLPExport(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()

	env := config.New(func(k string) string {
		if k == "OTEL_EXPORTER_OTLP_ENDPOINT" {
			return collector.URL
		}
		return ""
	})
	ctx := context.Background()
	tel, err := telemetry.Setup(ctx, "auth", env)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tel.Tracer("t").Start(ctx, "work")
	span.End()
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := tel.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) == 0 || paths[0] != "/v1/traces" {
		t.Errorf("collector saw %v, want a POST to /v1/traces", paths)
	}
}

package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"fedstack/platform/health"
)

type body struct {
	Status string
	Checks map[string]string
}

func get(t *testing.T, c *health.Checker) (int, body) {
	t.Helper()
	rec := httptest.NewRecorder()
	c.ReadyHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/ready", nil))
	var b body
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q: %v", rec.Body, err)
	}
	if rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", rec.Header().Get("Content-Type"))
	}
	return rec.Code, b
}

func TestLive(t *testing.T) {
	rec := httptest.NewRecorder()
	health.New().LiveHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/health", nil))
	if rec.Code != 200 || rec.Body.String() != "{\"status\":\"ok\"}\n" {
		t.Errorf("%d %q", rec.Code, rec.Body)
	}
}

func TestReady(t *testing.T) {
	c := health.New()
	c.Add("postgres", func(context.Context) error { return nil })
	c.Add("redis", func(context.Context) error { return nil })
	code, b := get(t, c)
	if code != 200 || b.Status != "ready" || b.Checks["postgres"] != "ok" || b.Checks["redis"] != "ok" {
		t.Errorf("%d %+v", code, b)
	}
}

func TestUnavailable(t *testing.T) {
	c := health.New()
	c.Add("postgres", func(context.Context) error { return errors.New("dial tcp 127.0.0.1:5432: connection refused") })
	c.Add("redis", func(context.Context) error { return nil })
	code, b := get(t, c)
	if code != 503 || b.Status != "unavailable" || b.Checks["postgres"] != "dial tcp 127.0.0.1:5432: connection refused" || b.Checks["redis"] != "ok" {
		t.Errorf("%d %+v", code, b)
	}
}

func TestChecksRunConcurrentlyWithATimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 2 s")
	}
	c := health.New()
	hang := func(ctx context.Context) error { time.Sleep(3 * time.Second); return nil } // ignores ctx
	c.Add("a", hang)
	c.Add("b", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() })
	start := time.Now()
	code, b := get(t, c)
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Errorf("took %s: checks not concurrent or not bounded", took)
	}
	if code != 503 || b.Checks["a"] == "ok" || b.Checks["b"] == "ok" {
		t.Errorf("%d %+v", code, b)
	}
}

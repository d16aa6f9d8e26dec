package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"fedstack/platform/metrics"
)

func TestMiddlewareAndHandler(t *testing.T) {
	reg := metrics.NewRegistry()
	h := metrics.Middleware(reg, "todos")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	// A second middleware on the same registry shares the collectors.
	h2 := metrics.Middleware(reg, "auth")(h)

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/missing", nil))
	h2.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("BREW", "/", nil))

	rec := httptest.NewRecorder()
	metrics.Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	out := rec.Body.String()
	for _, want := range []string{
		`http_requests_total{code="200",method="GET",service="todos"} 1`,
		`http_requests_total{code="404",method="GET",service="todos"} 1`,
		`http_requests_total{code="200",method="OTHER",service="auth"} 1`,
		`http_request_duration_seconds_count{method="GET",service="todos"} 2`,
		`go_goroutines`,
		`process_`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

package errs_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fedstack/platform/errs"
	"fedstack/platform/logging"
)

func TestCodesAndStatuses(t *testing.T) {
	cases := map[errs.Code]int{
		errs.Invalid: 400, errs.Unauthenticated: 401, errs.Forbidden: 403, errs.NotFound: 404,
		errs.Conflict: 409, errs.RateLimited: 429, errs.Internal: 500, "OTHER": 500,
	}
	for code, status := range cases {
		if got := errs.HTTPStatus(code); got != status {
			t.Errorf("HTTPStatus(%s) = %d, want %d", code, got, status)
		}
	}
	wrapped := fmt.Errorf("outer: %w", errs.E(errs.NotFound, "todo %s not found", "42"))
	if errs.CodeOf(wrapped) != errs.NotFound {
		t.Errorf("CodeOf(wrapped) = %s", errs.CodeOf(wrapped))
	}
	if errs.CodeOf(errors.New("boom")) != errs.Internal {
		t.Error("plain error should be INTERNAL")
	}
	if errs.CodeOf(nil) != "" {
		t.Error("CodeOf(nil) should be empty")
	}
}

func TestWrapKeepsCause(t *testing.T) {
	cause := errors.New("connection reset")
	e := errs.Wrap(cause, "loading todos of %s", "u1")
	if e.Code != errs.Internal || !errors.Is(e, cause) {
		t.Fatalf("Wrap = %#v", e)
	}
	if e.Error() != "loading todos of u1: connection reset" {
		t.Errorf("Error() = %q", e.Error())
	}
	e2 := errs.E(errs.Invalid, "bad title: %w", cause)
	if !errors.Is(e2, cause) || e2.Error() != "bad title: connection reset" {
		t.Errorf("E with %%w: %q", e2.Error())
	}
}

func TestWriteJSON(t *testing.T) {
	var logs bytes.Buffer
	logger := logging.New(&logs, "test", "info")

	h := logging.Middleware(logger)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/notfound":
			errs.WriteJSON(w, r, &errs.Error{Code: errs.NotFound, Message: "no such todo", Field: "id"})
		case "/limited":
			errs.WriteJSON(w, r, &errs.Error{Code: errs.RateLimited, Message: "slow down", RetryAfter: 1500 * time.Millisecond})
		default:
			errs.WriteJSON(w, r, errors.New("secret database detail"))
		}
	}))

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/notfound", nil))
	if rec.Code != 404 || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var body struct {
		Error struct{ Code, Message, Field string }
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if body.Error.Code != "NOT_FOUND" || body.Error.Message != "no such todo" || body.Error.Field != "id" {
		t.Errorf("body = %s", rec.Body)
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/limited", nil))
	if rec.Code != 429 || rec.Header().Get("Retry-After") != "2" {
		t.Errorf("status %d, Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}

	rec = httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/internal", nil)
	req.Header.Set("X-Request-Id", "req-123")
	h.ServeHTTP(rec, req)
	if rec.Code != 500 {
		t.Errorf("status %d", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "secret") || !strings.Contains(rec.Body.String(), `"internal error (request id req-123)"`) {
		t.Errorf("internal body = %s", rec.Body)
	}
	var found bool
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["level"] == slog.LevelError.String() {
			found = rec["request_id"] == "req-123" && strings.Contains(fmt.Sprint(rec["error"]), "secret database detail")
		}
	}
	if !found {
		t.Errorf("internal error not logged with its request id:\n%s", logs.String())
	}
}

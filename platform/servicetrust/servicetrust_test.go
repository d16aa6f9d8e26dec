package servicetrust_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fedstack/platform/servicetrust"
)

func TestMiddleware(t *testing.T) {
	const secret = "s3cret"
	h := servicetrust.Middleware(secret)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	now := time.Now()
	cases := []struct {
		name   string
		header string
		want   int
	}{
		{"signed now", servicetrust.Signature(secret, now), 204},
		{"4 minutes old", servicetrust.Signature(secret, now.Add(-4*time.Minute)), 204},
		{"30 s ahead", servicetrust.Signature(secret, now.Add(30*time.Second)), 204},
		{"missing", "", 403},
		{"wrong secret", servicetrust.Signature("other", now), 403},
		{"6 minutes old", servicetrust.Signature(secret, now.Add(-6*time.Minute)), 403},
		{"2 minutes ahead", servicetrust.Signature(secret, now.Add(2*time.Minute)), 403},
		{"garbage", "abc", 403},
		{"tampered time", "1" + servicetrust.Signature(secret, now), 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/graphql", nil)
			if c.header != "" {
				req.Header.Set(servicetrust.Header, c.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.want {
				t.Fatalf("status %d, want %d", rec.Code, c.want)
			}
			if c.want == 403 {
				if rec.Header().Get("Content-Type") != "application/json" ||
					!strings.Contains(rec.Body.String(), `"code":"FORBIDDEN"`) ||
					!strings.Contains(rec.Body.String(), "this endpoint answers the router only: missing or invalid X-Internal-Signature") {
					t.Errorf("403 body = %s", rec.Body)
				}
			}
		})
	}
}

func TestSign(t *testing.T) {
	h := http.Header{}
	servicetrust.Sign(h, "k")
	if err := servicetrust.Verify(h.Get(servicetrust.Header), "k", time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := servicetrust.Signature("k", time.Unix(1700000000, 0)); !strings.HasPrefix(got, "1700000000.") || len(got) != len("1700000000.")+64 {
		t.Errorf("Signature = %q", got)
	}
}

// Package gqltest is a stand-in GraphQL endpoint for the tests of the benchmark programs
// and their GraphQL client.
package gqltest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Answer returns the status and body of the answer to one operation: its query, its
// variables and the request's Authorization header.
type Answer func(query string, vars map[string]any, auth string) (status int, body string)

// Server serves answer on a new local HTTP server, closed when the test ends, and returns
// its URL. A request that is not a POST of a JSON operation gets status 400.
func Server(t testing.TB, answer Answer) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		if err := json.Unmarshal(b, &req); err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		status, body := answer(req.Query, req.Variables, r.Header.Get("Authorization"))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

package gqltest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestServerHandsTheOperationToAnswer(t *testing.T) {
	url := Server(t, func(q string, vars map[string]any, auth string) (int, string) {
		if q != "{ me { id } }" || vars["n"] != 1.0 || auth != "Bearer tok" {
			return 418, "unexpected"
		}
		return 200, `{"data":{"me":{"id":"u1"}}}`
	})
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"query":"{ me { id } }","variables":{"n":1}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"data":{"me":{"id":"u1"}}}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("answered %d %q (%s)", resp.StatusCode, b, resp.Header.Get("Content-Type"))
	}
	for name, send := range map[string]func() (*http.Response, error){
		"GET": func() (*http.Response, error) { return http.Get(url) },
		"not JSON": func() (*http.Response, error) {
			return http.Post(url, "application/json", strings.NewReader("query=x"))
		},
		"form": func() (*http.Response, error) {
			return http.Post(url, "text/plain", strings.NewReader(`{"query":"x"}`))
		},
	} {
		resp, err := send()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
		}
	}
}

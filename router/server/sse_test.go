package server_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSSESubscription: a subscription over server-sent events delivers the owner's change.
func TestSSESubscription(t *testing.T) {
	s := startStack(t, nil)
	token, _ := s.signup(t, "Sam")
	body := strings.NewReader(`{"query":"subscription { todoChanged { kind todo { title owner { name } } } }"}`)
	req, _ := http.NewRequestWithContext(ctxTimeout(t, 10*time.Second), http.MethodPost, s.router.URL+"/graphql", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		s.addTodo(t, token, "over sse")
	}()
	sc := bufio.NewScanner(resp.Body)
	var event string
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "event: ") {
			event = strings.TrimPrefix(line, "event: ")
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok && event == "next" {
			if !strings.Contains(data, `"over sse"`) || !strings.Contains(data, `"Sam"`) || !strings.Contains(data, `"CREATED"`) {
				t.Fatalf("event data %s", data)
			}
			return
		}
	}
	t.Fatalf("stream ended without a next event: %v", sc.Err())
}

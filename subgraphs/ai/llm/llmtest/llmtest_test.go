package llmtest_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"

	"fedstack/subgraphs/ai/llm/llmtest"
)

// The wire format, read raw: a role chunk, content chunks, finish_reason on the last, a
// usage chunk with no choices when asked for, then [DONE].
func TestStreamWireFormat(t *testing.T) {
	srv := llmtest.Start(t, llmtest.Options{Text: "a b"})
	body := `{"model":"test-model","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi there"}]}`
	resp, err := http.Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	var events []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if l := sc.Text(); l != "" {
			events = append(events, l)
		}
	}
	if len(events) != 5 {
		t.Fatalf("events %q", events)
	}
	for i, want := range []string{`"role":"assistant"`, `"content":"a"`, `"content":" b"`, `"usage":{"completion_tokens":2,"prompt_tokens":2,"total_tokens":4}`} {
		if !strings.HasPrefix(events[i], "data: {") || !strings.Contains(events[i], want) {
			t.Errorf("event %d = %s, want %s", i, events[i], want)
		}
	}
	if !strings.Contains(events[2], `"finish_reason":"stop"`) || !strings.Contains(events[3], `"choices":[]`) || events[4] != "data: [DONE]" {
		t.Fatalf("events %q", events)
	}
	if got := llmtest.SplitWords(" one  two\nthree "); strings.Join(got, "|") != " one|  two|\nthree " {
		t.Fatalf("SplitWords = %q", got)
	}
}

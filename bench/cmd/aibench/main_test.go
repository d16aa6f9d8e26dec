package main

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func at(msec float64) time.Time { return t0.Add(time.Duration(msec * float64(time.Millisecond))) }

// finishedChat is a chat whose three chunks "aa", "bbb", "c" the model sent at 210, 230
// and 250 ms after the message was sent at 0 (its request arrived at 10 ms), and which
// the client received as given.
func finishedChat(events []event) (*chat, providerSide) {
	c := &chat{n: 1, sent: at(0), answered: at(4), events: events, doneAt: at(270),
		final: &streamChunk{Offset: 6, Done: true, State: "COMPLETE", Message: &struct {
			TokensIn  int    `json:"tokensIn"`
			TokensOut int    `json:"tokensOut"`
			Cost      string `json:"cost"`
		}{TokensIn: 5, TokensOut: 3}}}
	p := providerSide{requests: 1, arrived: at(10), texts: []string{"aa", "bbb", "c"},
		emitted: []time.Time{at(210), at(230), at(250)}, end: at(251)}
	return c, p
}

func TestAnalyzeMeasuresAgainstTheModelsTimes(t *testing.T) {
	// The second and third chunks arrive together, in one piece.
	c, p := finishedChat([]event{{0, "aa", at(213)}, {2, "bbbc", at(256)}})
	m, err := analyze(c, p, 3)
	if err != nil {
		t.Fatal(err)
	}
	// First text at 213 ms after sending, less the model's 200 ms to its first chunk.
	if m.addedFirst != 13*time.Millisecond || m.toProvider != 10*time.Millisecond || m.firstDelivery != 3*time.Millisecond {
		t.Errorf("added first %v, to provider %v, first delivery %v; want 13ms, 10ms, 3ms", m.addedFirst, m.toProvider, m.firstDelivery)
	}
	want := []time.Duration{3 * time.Millisecond, 26 * time.Millisecond, 6 * time.Millisecond}
	if fmt.Sprint(m.perChunk) != fmt.Sprint(want) {
		t.Errorf("per chunk %v, want %v", m.perChunk, want)
	}
	if m.doneAfter != 19*time.Millisecond || m.mutation != 4*time.Millisecond || m.total != 270*time.Millisecond || m.modelTTFT != 200*time.Millisecond {
		t.Errorf("done after %v, mutation %v, total %v, model TTFT %v", m.doneAfter, m.mutation, m.total, m.modelTTFT)
	}

	// A chunk split in two pieces counts when its last byte arrives.
	c, p = finishedChat([]event{{0, "a", at(212)}, {1, "a", at(215)}, {2, "bbb", at(233)}, {5, "c", at(252)}})
	if m, err = analyze(c, p, 3); err != nil || m.perChunk[0] != 5*time.Millisecond || m.addedFirst != 12*time.Millisecond {
		t.Errorf("split chunk: per chunk %v, added first %v, err %v; want 5ms first, 12ms", m.perChunk, m.addedFirst, err)
	}
}

func TestAnalyzeFailsWhatIsNotTheModelsAnswer(t *testing.T) {
	good := []event{{0, "aa", at(213)}, {2, "bbb", at(233)}, {5, "c", at(253)}}
	cases := map[string]func(c *chat, p *providerSide){
		"different text":  func(c *chat, p *providerSide) { c.events[1].text = "bxb" },
		"gap":             func(c *chat, p *providerSide) { c.events = append(c.events[:1], c.events[2:]...) },
		"duplicate piece": func(c *chat, p *providerSide) { c.events = append(c.events, event{5, "c", at(260)}) },
		"failed state":    func(c *chat, p *providerSide) { c.final.State = "FAILED" },
		"no message":      func(c *chat, p *providerSide) { c.final.Message = nil },
		"no done":         func(c *chat, p *providerSide) { c.final = nil },
		"retried":         func(c *chat, p *providerSide) { p.requests = 2 },
		"not requested":   func(c *chat, p *providerSide) { p.requests = 0 },
		"stream cut":      func(c *chat, p *providerSide) { p.end = time.Time{} },
		"client error":    func(c *chat, p *providerSide) { c.err = fmt.Errorf("sendMessage: status 502") },
	}
	for name, spoil := range cases {
		c, p := finishedChat(append([]event(nil), good...))
		if _, err := analyze(c, p, 3); err != nil {
			t.Fatalf("%s: the unspoiled chat fails: %v", name, err)
		}
		spoil(c, &p)
		if _, err := analyze(c, p, 3); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The provider answers a registered chat with its unique chunks and records when the
// request arrived and each chunk was sent; other requests are counted as unexpected.
func TestProviderRecordsTheChatsItAnswers(t *testing.T) {
	p, err := startProvider("127.0.0.1:0", "m", 20*time.Millisecond, 2*time.Millisecond, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := &chat{n: 7, content: chatContent("ab12", 7)}
	p.register(c)
	post := func(content string) string {
		body := fmt.Sprintf(`{"model":"m","stream":true,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":%q}]}`, content)
		resp, err := http.Post(p.URL()+"/chat/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var text strings.Builder
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), `"content":"`); ok {
				s, _, _ := strings.Cut(rest, `"`)
				text.WriteString(s)
			}
		}
		return text.String()
	}
	got := post(c.content)
	time.Sleep(50 * time.Millisecond) // the end hook runs after the last flush
	s := p.side(c)
	want := " c7.w0 c7.w1 c7.w2 c7.w3 c7.w4"
	if got != want || strings.Join(s.texts, "") != want {
		t.Fatalf("streamed %q, recorded %q; want %q", got, strings.Join(s.texts, ""), want)
	}
	if s.requests != 1 || s.arrived.IsZero() || s.end.IsZero() || len(s.emitted) != 5 || p.sentChunks() != 5 {
		t.Fatalf("recorded %+v", s)
	}
	if d := s.emitted[0].Sub(s.arrived); d < 20*time.Millisecond {
		t.Errorf("first chunk %v after the request, before the 20 ms to first token", d)
	}
	if post("hello") != " not a chat of this benchmark" || p.unexpectedRequests() != 1 {
		t.Errorf("a request of no chat: %d unexpected", p.unexpectedRequests())
	}
}

func TestParseEnvFile(t *testing.T) {
	got, err := parseEnvFile("# stack\nROUTER_PID=12\n\n AI_PID = 34\n")
	if err != nil || got["ROUTER_PID"] != 12 || got["AI_PID"] != 34 {
		t.Fatalf("parseEnvFile = %v, %v", got, err)
	}
	if _, err := parseEnvFile("ROUTER_PID=x"); err == nil {
		t.Error("accepted a value that is no number")
	}
}

func TestStatsAreNearestRank(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	if s := statsOf(d); s.N != 100 || s.P50MS != 50 || s.P95MS != 95 || s.P99MS != 99 || s.MaxMS != 100 {
		t.Fatalf("statsOf = %+v", s)
	}
	if s := statsOf(nil); s != (stats{}) {
		t.Fatalf("statsOf(nil) = %+v", s)
	}
}

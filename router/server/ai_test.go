package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"fedstack/subgraphs/ai/llm/llmtest"
)

const sendMessageQuery = `mutation($in: SendMessageInput!) {
  sendMessage(input: $in) { conversation { id } userMessage { id content } message { id state } }
}`

const messageStreamQuery = `subscription($id: ID!, $offset: Int) {
  messageStream(messageId: $id, offset: $offset) {
    offset text done state error
    message { id content state tokensIn tokensOut cost }
  }
}`

type streamChunk struct {
	Offset  int    `json:"offset"`
	Text    string `json:"text"`
	Done    bool   `json:"done"`
	State   string `json:"state"`
	Error   string `json:"error"`
	Message *struct {
		ID        string `json:"id"`
		Content   string `json:"content"`
		State     string `json:"state"`
		TokensIn  int    `json:"tokensIn"`
		TokensOut int    `json:"tokensOut"`
		Cost      string `json:"cost"`
	} `json:"message"`
}

// send posts sendMessage through the router and returns the conversation and answer ids.
func (s *stack) send(t *testing.T, token, conversationID, content string) (conv, answer string) {
	t.Helper()
	in := map[string]any{"content": content}
	if conversationID != "" {
		in["conversationId"] = conversationID
	}
	r := s.post(t, sendMessageQuery, map[string]any{"in": in}, call{token: token})
	if len(r.Errors) > 0 {
		t.Fatalf("sendMessage: %s", r.Raw)
	}
	ex := r.Data["sendMessage"].(map[string]any)
	return ex["conversation"].(map[string]any)["id"].(string), ex["message"].(map[string]any)["id"].(string)
}

// follow subscribes to an answer from offset through the router's websocket and returns
// the chunks received until done, or until stopAfter text chunks (then the socket closes).
func (s *stack) follow(t *testing.T, token, messageID string, offset, stopAfter int) []streamChunk {
	t.Helper()
	c := s.dialWS(t)
	c.init(token)
	c.send(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{
		"query": messageStreamQuery, "variables": map[string]any{"id": messageID, "offset": offset}}})
	var chunks []streamChunk
	for {
		m := c.expect("next", 10*time.Second)
		var p struct {
			Data *struct {
				MessageStream streamChunk `json:"messageStream"`
			} `json:"data"`
			Errors []map[string]any `json:"errors"`
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil || p.Data == nil {
			t.Fatalf("next %s (%v)", m.Payload, err)
		}
		ch := p.Data.MessageStream
		chunks = append(chunks, ch)
		if ch.Done {
			c.expect("complete", 5*time.Second)
			return chunks
		}
		if stopAfter > 0 && len(chunks) == stopAfter {
			_ = c.conn.CloseNow()
			return chunks
		}
	}
}

// text joins chunks, checking each starts where the previous ended (from offset).
func text(t *testing.T, chunks []streamChunk, offset int) string {
	t.Helper()
	var b strings.Builder
	for _, c := range chunks {
		if c.Offset != offset+b.Len() {
			t.Fatalf("chunk at offset %d, want %d: something was lost or repeated", c.Offset, offset+b.Len())
		}
		b.WriteString(c.Text)
	}
	return b.String()
}

// TestAIChatThroughTheRouter: an answer streams chunk by chunk through the router to a
// websocket client and is stored as the concatenated chunks with tokens and cost; a client
// that reconnects at an offset gets the rest once; stop and provider failure end the answer
// as they should; another user's conversation is NOT_FOUND; the per-minute limit answers
// RATE_LIMITED with a retry time.
func TestAIChatThroughTheRouter(t *testing.T) {
	s := startStackWithEnv(t, map[string]string{"AI_USER_MESSAGES_PER_MINUTE": "5"}, nil)
	words := strings.Fields("Federated streams carry every token from the model to the browser without losing one")
	chunks := make([]string, len(words))
	for i, w := range words {
		chunks[i] = w + " "
	}
	s.llm.Update(func(o *llmtest.Options) {
		o.Chunks, o.ChunkInterval, o.PromptTokens, o.CompletionTokens = chunks, 25*time.Millisecond, 1200, 300
	})
	// Prices per million tokens: $2 in, $8 out.
	pg, err := pgx.Connect(context.Background(), s.aiEnv["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pg.Exec(context.Background(),
		`UPDATE models SET input_price_micros = 2000000, output_price_micros = 8000000 WHERE id = 'test-model'`); err != nil {
		t.Fatal(err)
	}
	_ = pg.Close(context.Background())

	alice, _ := s.signup(t, "Alice")
	conv, answer := s.send(t, alice, "", "How do streams work?")
	got := s.follow(t, alice, answer, 0, 0)
	full := text(t, got[:len(got)-1], 0)
	last := got[len(got)-1]
	if len(got) < 6 {
		t.Errorf("%d events: the answer did not arrive chunk by chunk", len(got))
	}
	if want := strings.Join(chunks, ""); full != want {
		t.Fatalf("streamed %q, want %q", full, want)
	}
	if m := last.Message; last.State != "COMPLETE" || m == nil || m.Content != full || m.TokensIn != 1200 || m.TokensOut != 300 ||
		m.Cost != "0.004800" { // 1200 × $2/M + 300 × $8/M
		t.Fatalf("last chunk %+v message %+v", last, last.Message)
	}
	r := s.post(t, `query($id: ID!) { conversation(id: $id) { tokensIn tokensOut cost messages { role content state } } }`,
		map[string]any{"id": conv}, call{token: alice})
	if len(r.Errors) > 0 || r.Data["conversation"].(map[string]any)["cost"] != "0.004800" {
		t.Fatalf("conversation %s", r.Raw)
	}

	// Reconnect at an offset: the rest arrives once, in order.
	_, answer2 := s.send(t, alice, conv, "And again?")
	first := s.follow(t, alice, answer2, 0, 3)
	reached := first[len(first)-1].Offset + len(first[len(first)-1].Text)
	rest := s.follow(t, alice, answer2, reached, 0)
	whole := text(t, first, 0) + text(t, rest[:len(rest)-1], reached)
	if final := rest[len(rest)-1].Message; final == nil || final.Content != whole || whole != strings.Join(chunks, "") {
		t.Fatalf("after reconnecting at %d: %q, stored %+v", reached, whole, final)
	}

	// Someone else's conversation and answer are NOT_FOUND, and nothing of Alice's changes.
	bob, _ := s.signup(t, "Bob")
	for _, q := range []struct{ query, id string }{
		{`query($id: ID!) { conversation(id: $id) { id } }`, conv},
		{`query($id: ID!) { message(id: $id) { id } }`, answer},
		{`mutation($id: ID!) { renameConversation(id: $id, title: "mine") { id } }`, conv},
		{`mutation($id: ID!) { deleteConversation(id: $id) }`, conv},
		{`mutation($id: ID!) { regenerate(conversationId: $id) { message { id } } }`, conv},
	} {
		r := s.post(t, q.query, map[string]any{"id": q.id}, call{token: bob})
		if len(r.Errors) == 0 || r.Errors[0]["extensions"].(map[string]any)["code"] != "NOT_FOUND" {
			t.Errorf("bob: %s → %s", q.query, r.Raw)
		}
	}
	r = s.post(t, sendMessageQuery, map[string]any{"in": map[string]any{"conversationId": conv, "content": "hi"}}, call{token: bob})
	if len(r.Errors) == 0 || r.Errors[0]["extensions"].(map[string]any)["code"] != "NOT_FOUND" {
		t.Errorf("bob sends to alice's conversation: %s", r.Raw)
	}
	c := s.dialWS(t)
	c.init(bob)
	c.send(map[string]any{"type": "subscribe", "id": "1", "payload": map[string]any{
		"query": messageStreamQuery, "variables": map[string]any{"id": answer}}})
	if m, _ := c.read(5 * time.Second); m == nil || !strings.Contains(string(m.Payload), "NOT_FOUND") {
		t.Errorf("bob follows alice's answer: %+v", m)
	}

	// Stop mid-stream: stored STOPPED with the text so far.
	s.llm.Update(func(o *llmtest.Options) { o.Chunks = nil; o.Text = strings.Repeat("again and ", 200) })
	conv3, answer3 := s.send(t, alice, "", "Talk for a long time")
	_ = s.follow(t, alice, answer3, 0, 4)
	r = s.post(t, `mutation($id: ID!) { stopGeneration(messageId: $id) { state content } }`, map[string]any{"id": answer3}, call{token: alice})
	if len(r.Errors) > 0 || r.Data["stopGeneration"].(map[string]any)["state"] != "STOPPED" {
		t.Fatalf("stopGeneration: %s", r.Raw)
	}
	stopped := r.Data["stopGeneration"].(map[string]any)["content"].(string)
	replay := s.follow(t, alice, answer3, 0, 0)
	if end := replay[len(replay)-1]; end.State != "STOPPED" || text(t, replay[:len(replay)-1], 0) != stopped || len(stopped) == 0 ||
		len(stopped) >= len(strings.Repeat("again and ", 200)) {
		t.Fatalf("stopped answer replays %+v, stored %d bytes", end, len(stopped))
	}

	// Provider error: the answer FAILED with the reason, the user's message intact.
	s.llm.Update(func(o *llmtest.Options) { o.Status = 500 })
	_, answer4 := s.send(t, alice, conv3, "Will this fail?")
	failed := s.follow(t, alice, answer4, 0, 0)
	if end := failed[len(failed)-1]; end.State != "FAILED" || end.Error == "" {
		t.Fatalf("failed answer ends %+v", end)
	}
	r = s.post(t, `query($id: ID!) { conversation(id: $id) { messages(last: 2) { role content state } } }`, map[string]any{"id": conv3}, call{token: alice})
	msgs := r.Data["conversation"].(map[string]any)["messages"].([]any)
	if u := msgs[0].(map[string]any); u["role"] != "USER" || u["content"] != "Will this fail?" || u["state"] != "COMPLETE" {
		t.Errorf("the user's message after a failure: %v", u)
	}
	s.llm.Update(func(o *llmtest.Options) { o.Status = 0 })

	// Limits: Alice sent 4 of her 5 messages this minute; the 6th is refused.
	s.send(t, alice, "", "fifth")
	r = s.post(t, sendMessageQuery, map[string]any{"in": map[string]any{"content": "sixth"}}, call{token: alice})
	if len(r.Errors) == 0 {
		t.Fatalf("6th message in a minute accepted: %s", r.Raw)
	}
	ext := r.Errors[0]["extensions"].(map[string]any)
	if ext["code"] != "RATE_LIMITED" || ext["retryAfter"] == nil || ext["retryAfter"].(float64) < 1 || ext["retryAfter"].(float64) > 60 {
		t.Errorf("6th message: %s", r.Raw)
	}
}

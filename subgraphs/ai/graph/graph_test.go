package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"fedstack/platform/authn"
	"fedstack/platform/gqlserver"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/aitest"
	"fedstack/subgraphs/ai/graph"
	"fedstack/subgraphs/ai/llm/llmtest"
	"fedstack/subgraphs/ai/postgres"
)

// userHeader carries the test's caller, "<user id>:<role>"; testAuth turns it into claims,
// standing in for authn.Middleware and a real token.
const userHeader = "X-Test-User"

func testAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, role, ok := strings.Cut(r.Header.Get(userHeader), ":"); ok {
			c := &authn.Claims{Role: role}
			c.Subject = id
			r = r.WithContext(authn.WithClaims(r.Context(), c))
		}
		next.ServeHTTP(w, r)
	})
}

type env struct {
	url   string
	store *postgres.Store
}

// start serves the ai schema over a real ai.Service: a fresh database, real Redis, and a
// local OpenAI-protocol server answering as opts say, with model test-model at $2 and $8
// per million tokens.
func start(t *testing.T, opts llmtest.Options) *env {
	t.Helper()
	e := aitest.New(t, opts, nil)
	svc, store := e.Service, e.Store
	logger := slog.New(slog.DiscardHandler)
	gql := gqlserver.New(graph.NewExecutableSchema(graph.NewResolver(svc, logger)), gqlserver.Options{Logger: logger})
	mux := http.NewServeMux()
	mux.Handle("/graphql", testAuth(gql))
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return &env{url: hs.URL, store: store}
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// do posts an operation as user ("id:ROLE", or "" for none).
func (e *env) do(t *testing.T, user, query string, vars map[string]any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest("POST", e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.Header.Set(userHeader, user)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("status %d, body %s: %v", resp.StatusCode, raw, err)
	}
	return r
}

// ok runs an operation that must succeed and decodes its data into out.
func (e *env) ok(t *testing.T, user, query string, vars map[string]any, out any) {
	t.Helper()
	r := e.do(t, user, query, vars)
	if len(r.Errors) > 0 {
		t.Fatalf("%s: errors %+v", query, r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatalf("data %s: %v", r.Data, err)
	}
}

// fails runs an operation that must fail with code (on every error it returns).
func (e *env) fails(t *testing.T, user, code, query string, vars map[string]any) response {
	t.Helper()
	r := e.do(t, user, query, vars)
	if len(r.Errors) == 0 {
		t.Fatalf("%s as %q: no error, data %s", query, user, r.Data)
	}
	for _, er := range r.Errors {
		if er.Extensions["code"] != code {
			t.Fatalf("%s as %q: errors %+v, want code %s", query, user, r.Errors, code)
		}
	}
	return r
}

// Callers.
const (
	alice   = "alice:USER"
	mallory = "mallory:USER"
	admin   = "root:ADMIN"
)

type messageJSON struct {
	ID             string
	ConversationID string
	Seq            int
	Role           string
	Content        string
	State          string
	Model          *string
	TokensIn       int
	TokensOut      int
	Cost           string
	Error          *string
	Cached         bool
	CompletedAt    *string
}

const messageFields = `id conversationId seq role content state model tokensIn tokensOut cost error cached completedAt`

type exchangeJSON struct {
	Conversation struct {
		ID, Title, Model string
		MessageCount     int
	}
	UserMessage messageJSON
	Message     messageJSON
}

const exchangeFields = `conversation { id title model messageCount } userMessage { ` + messageFields + ` } message { ` + messageFields + ` }`

func (e *env) send(t *testing.T, user, conversationID, content string) exchangeJSON {
	t.Helper()
	in := map[string]any{"content": content}
	if conversationID != "" {
		in["conversationId"] = conversationID
	}
	var d struct{ SendMessage exchangeJSON }
	e.ok(t, user, `mutation($in: SendMessageInput!) { sendMessage(input: $in) { `+exchangeFields+` } }`, map[string]any{"in": in}, &d)
	return d.SendMessage
}

// wsClient is a minimal graphql-transport-ws client.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan wsMessage
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func (e *env) dial(t *testing.T, user string) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h := http.Header{}
	h.Set(userHeader, user)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: h,
	})
	if err != nil {
		t.Fatal(err)
	}
	ws := &wsClient{t: t, conn: conn, msgs: make(chan wsMessage, 256)}
	t.Cleanup(func() { _ = conn.Close(websocket.StatusNormalClosure, "") })
	go func() {
		defer close(ws.msgs)
		for {
			var m wsMessage
			if err := wsjson.Read(context.Background(), conn, &m); err != nil {
				return
			}
			if m.Type == "ping" {
				_ = wsjson.Write(context.Background(), conn, wsMessage{Type: "pong"})
				continue
			}
			ws.msgs <- m
		}
	}()
	ws.send(map[string]any{"type": "connection_init"})
	if m := ws.next(); m.Type != "connection_ack" {
		t.Fatalf("expected connection_ack, got %+v", m)
	}
	return ws
}

func (ws *wsClient) send(v any) {
	ws.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, ws.conn, v); err != nil {
		ws.t.Fatal(err)
	}
}

// next returns the next message; it fails the test after 10 s.
func (ws *wsClient) next() wsMessage {
	ws.t.Helper()
	select {
	case m, ok := <-ws.msgs:
		if !ok {
			ws.t.Fatal("the websocket closed")
		}
		return m
	case <-time.After(10 * time.Second):
		ws.t.Fatal("no websocket message within 10 s")
	}
	return wsMessage{}
}

type chunkJSON struct {
	MessageID string
	Offset    int
	Text      string
	Done      bool
	State     string
	Error     *string
	Message   *messageJSON
}

// follow subscribes to messageStream(messageId, offset) as subscription id and returns the
// chunks up to and including the last, after checking that the subscription completes.
func (ws *wsClient) follow(id, messageID string, offset int) []chunkJSON {
	ws.t.Helper()
	ws.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{
		"query": `subscription($id: ID!, $off: Int) { messageStream(messageId: $id, offset: $off) {
			messageId offset text done state error message { ` + messageFields + ` } } }`,
		"variables": map[string]any{"id": messageID, "off": offset},
	}})
	var chunks []chunkJSON
	for {
		m := ws.next()
		if m.ID != id {
			ws.t.Fatalf("expected a message of %s, got %s %s %s", id, m.ID, m.Type, m.Payload)
		}
		c := ws.chunk(m)
		chunks = append(chunks, c)
		if c.Done {
			break
		}
	}
	if m := ws.next(); m.ID != id || m.Type != "complete" {
		ws.t.Fatalf("expected complete after the last chunk, got %s %s %s", m.ID, m.Type, m.Payload)
	}
	return chunks
}

// chunk decodes a "next" message of messageStream.
func (ws *wsClient) chunk(m wsMessage) chunkJSON {
	ws.t.Helper()
	var p struct {
		Data struct {
			MessageStream chunkJSON `json:"messageStream"`
		} `json:"data"`
		Errors []gqlError `json:"errors"`
	}
	if m.Type != "next" {
		ws.t.Fatalf("expected next, got %s %s", m.Type, m.Payload)
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil || len(p.Errors) > 0 {
		ws.t.Fatalf("payload %s: %v", m.Payload, err)
	}
	return p.Data.MessageStream
}

// text checks that chunks are contiguous from offset, with only the last one done, and
// returns their text.
func text(t *testing.T, chunks []chunkJSON, messageID string, offset int) string {
	t.Helper()
	var b strings.Builder
	pos := offset
	for i, c := range chunks {
		if c.MessageID != messageID || c.Offset != pos {
			t.Fatalf("chunk %d: %+v, want message %s at offset %d", i, c, messageID, pos)
		}
		last := i == len(chunks)-1
		if c.Done != last || (!last && (c.State != "STREAMING" || c.Message != nil)) {
			t.Fatalf("chunk %d of %d: %+v", i, len(chunks), c)
		}
		b.WriteString(c.Text)
		pos += len(c.Text)
	}
	return b.String()
}

func TestChatAndStream(t *testing.T) {
	words := []string{"Once", " upon", " a", " time", " there", " was", " a", " stream", "."}
	e := start(t, llmtest.Options{Chunks: words, ChunkInterval: 30 * time.Millisecond,
		PromptTokens: 1000, CompletionTokens: 500})

	ex := e.send(t, alice, "", "Tell me a story")
	if ex.Message.State != "STREAMING" || ex.Message.Role != "ASSISTANT" || ex.UserMessage.Content != "Tell me a story" ||
		ex.UserMessage.State != "COMPLETE" || ex.UserMessage.Model != nil || ex.Conversation.Title != "Tell me a story" ||
		ex.Conversation.Model != "test-model" || ex.Message.CompletedAt != nil || ex.Message.Cost != "0.000000" {
		t.Fatalf("exchange %+v", ex)
	}

	ws := e.dial(t, alice)
	chunks := ws.follow("1", ex.Message.ID, 0)
	got := text(t, chunks, ex.Message.ID, 0)
	if want := strings.Join(words, ""); got != want {
		t.Fatalf("streamed %q, want %q", got, want)
	}
	if len(chunks) < 3 {
		t.Errorf("only %d chunks: the answer was not streamed as it came", len(chunks))
	}
	last := chunks[len(chunks)-1]
	// 1000 prompt tokens at $2/M + 500 completion tokens at $8/M = $0.006.
	if last.State != "COMPLETE" || last.Error != nil || last.Offset != len(got) || last.Text != "" || last.Message == nil ||
		last.Message.Content != got || last.Message.State != "COMPLETE" || last.Message.TokensIn != 1000 ||
		last.Message.TokensOut != 500 || last.Message.Cost != "0.006000" || last.Message.CompletedAt == nil ||
		deref(last.Message.Model) != "test-model" {
		t.Fatalf("last chunk %+v, message %+v", last, last.Message)
	}

	// A finished answer is delivered at once, from any offset.
	resumed := ws.follow("2", ex.Message.ID, 4)
	if r := text(t, resumed, ex.Message.ID, 4); r != got[4:] || resumed[len(resumed)-1].Message.Cost != "0.006000" {
		t.Fatalf("resumed at 4: %q, want %q", r, got[4:])
	}

	var q struct {
		Message      messageJSON
		Conversation struct {
			ID, Title                 string
			MessageCount              int
			TokensIn, TokensOut       int
			Cost                      string
			Messages, Last, BeforeTwo []messageJSON
		}
	}
	e.ok(t, alice, `query($m: ID!, $c: ID!) {
		message(id: $m) { `+messageFields+` }
		conversation(id: $c) { id title messageCount tokensIn tokensOut cost
			messages { `+messageFields+` }
			last: messages(last: 1) { id }
			beforeTwo: messages(before: 2) { id } } }`,
		map[string]any{"m": ex.Message.ID, "c": ex.Conversation.ID}, &q)
	if q.Message.Content != got || q.Message.Cost != "0.006000" || q.Message.ConversationID != ex.Conversation.ID {
		t.Fatalf("message %+v", q.Message)
	}
	c := q.Conversation
	if c.MessageCount != 2 || c.TokensIn != 1000 || c.TokensOut != 500 || c.Cost != "0.006000" || len(c.Messages) != 2 ||
		c.Messages[0].Role != "USER" || c.Messages[1].ID != ex.Message.ID || len(c.Last) != 1 || c.Last[0].ID != ex.Message.ID ||
		len(c.BeforeTwo) != 1 || c.BeforeTwo[0].ID != ex.UserMessage.ID {
		t.Fatalf("conversation %+v", c)
	}

	// A second message continues the conversation; regenerate replaces its answer.
	ex2 := e.send(t, alice, ex.Conversation.ID, "Again")
	if ex2.Conversation.ID != ex.Conversation.ID || ex2.Conversation.MessageCount != 4 {
		t.Fatalf("second exchange %+v", ex2)
	}
	ws.follow("3", ex2.Message.ID, 0)
	var rg struct{ Regenerate exchangeJSON }
	e.ok(t, alice, `mutation($c: ID!) { regenerate(conversationId: $c) { `+exchangeFields+` } }`,
		map[string]any{"c": ex.Conversation.ID}, &rg)
	if rg.Regenerate.UserMessage.ID != ex2.UserMessage.ID || rg.Regenerate.Message.ID == ex2.Message.ID ||
		rg.Regenerate.Message.State != "STREAMING" {
		t.Fatalf("regenerate %+v", rg.Regenerate)
	}
	ws.follow("4", rg.Regenerate.Message.ID, 0)
	var ed struct{ EditLastMessage exchangeJSON }
	e.ok(t, alice, `mutation($c: ID!) { editLastMessage(conversationId: $c, content: "Once more") { `+exchangeFields+` } }`,
		map[string]any{"c": ex.Conversation.ID}, &ed)
	if ed.EditLastMessage.UserMessage.Content != "Once more" || ed.EditLastMessage.UserMessage.ID != ex2.UserMessage.ID {
		t.Fatalf("editLastMessage %+v", ed.EditLastMessage)
	}
	ws.follow("5", ed.EditLastMessage.Message.ID, 0)

	// Lists, search, rename.
	var l struct {
		Conversations struct {
			Nodes    []struct{ ID string }
			PageInfo struct {
				EndCursor   *string
				HasNextPage bool
			}
		}
		SearchConversations []struct {
			Conversation struct{ ID string }
			MessageID    *string
			Snippet      string
			Rank         float64
		}
	}
	e.ok(t, alice, `{ conversations(first: 10) { nodes { id } pageInfo { endCursor hasNextPage } }
		searchConversations(query: "story") { conversation { id } messageId snippet rank } }`, nil, &l)
	if len(l.Conversations.Nodes) != 1 || l.Conversations.Nodes[0].ID != ex.Conversation.ID || l.Conversations.PageInfo.HasNextPage ||
		l.Conversations.PageInfo.EndCursor == nil {
		t.Fatalf("conversations %+v", l.Conversations)
	}
	if len(l.SearchConversations) != 1 || l.SearchConversations[0].Conversation.ID != ex.Conversation.ID ||
		!strings.Contains(l.SearchConversations[0].Snippet, "«") || l.SearchConversations[0].Rank <= 0 {
		t.Fatalf("search %+v", l.SearchConversations)
	}
	e.fails(t, alice, "INVALID", `{ conversations(first: 0) { nodes { id } } }`, nil)
	var rn struct{ RenameConversation struct{ Title string } }
	e.ok(t, alice, `mutation($c: ID!) { renameConversation(id: $c, title: "  A  story ") { title } }`,
		map[string]any{"c": ex.Conversation.ID}, &rn)
	if rn.RenameConversation.Title != "A story" {
		t.Fatalf("rename %+v", rn)
	}

	// Usage: the user's own through the User entity, anyone's for an administrator, nobody
	// else's; totals for administrators only.
	const usageOp = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { id aiUsage(days: 7) {
		days { date model messages tokensIn tokensOut cost } messages tokensIn tokensOut cost } } } }`
	reps := map[string]any{"reps": []any{map[string]any{"__typename": "User", "id": "alice"}}}
	type usageJSON struct {
		Days []struct {
			Date, Model                   string
			Messages, TokensIn, TokensOut int
			Cost                          string
		}
		Messages, TokensIn, TokensOut int
		Cost                          string
	}
	var u struct {
		Entities []struct {
			ID      string
			AiUsage usageJSON
		} `json:"_entities"`
	}
	for _, who := range []string{alice, admin} {
		e.ok(t, who, usageOp, reps, &u)
		us := u.Entities[0].AiUsage
		// Four finished answers of 1000 + 500 tokens.
		if u.Entities[0].ID != "alice" || us.Messages != 4 || us.TokensIn != 4000 || us.TokensOut != 2000 || us.Cost != "0.024000" ||
			len(us.Days) != 1 || us.Days[0].Date != time.Now().UTC().Format(time.DateOnly) || us.Days[0].Model != "test-model" ||
			us.Days[0].Messages != 4 || us.Days[0].Cost != "0.024000" {
			t.Fatalf("usage as %s: %+v", who, u)
		}
	}
	r := e.fails(t, mallory, "FORBIDDEN", usageOp, reps)
	if len(r.Errors[0].Path) == 0 {
		t.Errorf("the error has no path: %+v", r.Errors)
	}
	e.fails(t, alice, "FORBIDDEN", `{ aiUsageTotals { messages } }`, nil)
	var tot struct{ AiUsageTotals usageJSON }
	e.ok(t, admin, `{ aiUsageTotals(days: 1) { days { date model messages } messages tokensIn tokensOut cost } }`, nil, &tot)
	if tot.AiUsageTotals.Messages != 4 || tot.AiUsageTotals.Cost != "0.024000" || len(tot.AiUsageTotals.Days) != 1 {
		t.Fatalf("totals %+v", tot)
	}
	e.fails(t, admin, "INVALID", `{ aiUsageTotals(days: 0) { messages } }`, nil)

	// Deleting the conversation deletes its messages.
	var del struct{ DeleteConversation string }
	e.ok(t, alice, `mutation($c: ID!) { deleteConversation(id: $c) }`, map[string]any{"c": ex.Conversation.ID}, &del)
	if del.DeleteConversation != ex.Conversation.ID {
		t.Fatalf("delete %+v", del)
	}
	e.fails(t, alice, "NOT_FOUND", `query($m: ID!) { message(id: $m) { id } }`, map[string]any{"m": ex.Message.ID})
}

func TestOtherUsersSeeNothing(t *testing.T) {
	// A slow answer: it is still being generated while mallory tries.
	e := start(t, llmtest.Options{Text: strings.Repeat("slow ", 300), ChunkInterval: 20 * time.Millisecond})
	ex := e.send(t, alice, "", "Mine")
	conv, msg := map[string]any{"c": ex.Conversation.ID}, map[string]any{"m": ex.Message.ID}

	e.fails(t, "", "UNAUTHENTICATED", `query($c: ID!) { conversation(id: $c) { id } }`, conv)
	for _, op := range []struct {
		query string
		vars  map[string]any
	}{
		{`query($c: ID!) { conversation(id: $c) { id } }`, conv},
		{`query($m: ID!) { message(id: $m) { id } }`, msg},
		{`query($c: ID!) { message(id: $c) { id } }`, conv}, // a conversation id is no message id
		{`query { message(id: "not-a-uuid") { id } }`, nil},
		{`mutation($c: ID!) { renameConversation(id: $c, title: "mine now") { id } }`, conv},
		{`mutation($c: ID!) { deleteConversation(id: $c) }`, conv},
		{`mutation($m: ID!) { stopGeneration(messageId: $m) { id } }`, msg},
		{`mutation($c: ID!) { regenerate(conversationId: $c) { message { id } } }`, conv},
		{`mutation($c: ID!) { editLastMessage(conversationId: $c, content: "hi") { message { id } } }`, conv},
		{`mutation($c: ID!) { sendMessage(input: {conversationId: $c, content: "hi"}) { message { id } } }`, conv},
	} {
		e.fails(t, mallory, "NOT_FOUND", op.query, op.vars)
	}

	// Entities by id: another user's are NOT_FOUND, each on its own.
	const entitiesOp = `query($reps: [_Any!]!) { _entities(representations: $reps) {
		... on Conversation { id title } ... on Message { id state } } }`
	reps := map[string]any{"reps": []any{
		map[string]any{"__typename": "Conversation", "id": ex.Conversation.ID},
		map[string]any{"__typename": "Message", "id": ex.Message.ID},
	}}
	r := e.fails(t, mallory, "NOT_FOUND", entitiesOp, reps)
	if len(r.Errors) != 2 {
		t.Fatalf("errors %+v", r.Errors)
	}
	var ent struct {
		Entities []struct{ ID, Title, State string } `json:"_entities"`
	}
	e.ok(t, alice, entitiesOp, reps, &ent)
	if len(ent.Entities) != 2 || ent.Entities[0].Title != "Mine" || ent.Entities[1].ID != ex.Message.ID {
		t.Fatalf("entities %+v", ent)
	}

	// The subscription refuses too, with the error on the websocket.
	ws := e.dial(t, mallory)
	ws.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($m: ID!) { messageStream(messageId: $m) { text } }`,
		"variables": map[string]any{"m": ex.Message.ID},
	}})
	// gqlgen reports a resolver error at the start of a subscription as a result with
	// errors and no data, then completes it.
	m := ws.next()
	var res response
	if m.Type != "next" || m.ID != "1" || json.Unmarshal(m.Payload, &res) != nil || len(res.Errors) != 1 ||
		res.Errors[0].Extensions["code"] != "NOT_FOUND" || string(res.Data) != "null" {
		t.Fatalf("messageStream as another user: %s %s", m.Type, m.Payload)
	}
	if m := ws.next(); m.Type != "complete" || m.ID != "1" {
		t.Fatalf("after the error: %s %s", m.Type, m.Payload)
	}
	var mine struct {
		Conversations struct{ Nodes []struct{ ID string } }
	}
	e.ok(t, mallory, `{ conversations { nodes { id } } }`, nil, &mine)
	if len(mine.Conversations.Nodes) != 0 {
		t.Fatalf("mallory lists %+v", mine)
	}

	// Nothing mallory did touched alice's conversation; alice stops her answer, and her
	// subscription ends with it.
	aws := e.dial(t, alice)
	aws.send(map[string]any{"id": "a", "type": "subscribe", "payload": map[string]any{
		"query":     `subscription($m: ID!) { messageStream(messageId: $m) { offset text done state message { state content } } }`,
		"variables": map[string]any{"m": ex.Message.ID},
	}})
	if first := aws.chunk(aws.next()); first.Done || first.State != "STREAMING" {
		t.Fatalf("first chunk %+v", first)
	}
	var stop struct{ StopGeneration messageJSON }
	e.ok(t, alice, `mutation($m: ID!) { stopGeneration(messageId: $m) { `+messageFields+` } }`, msg, &stop)
	if stop.StopGeneration.State != "STOPPED" || stop.StopGeneration.ConversationID != ex.Conversation.ID {
		t.Fatalf("stop %+v", stop)
	}
	for {
		if c := aws.chunk(aws.next()); c.Done {
			if c.State != "STOPPED" || c.Message == nil || c.Message.State != "STOPPED" || c.Message.Content != stop.StopGeneration.Content {
				t.Fatalf("last chunk %+v", c)
			}
			break
		}
	}
	if n := aws.next(); n.Type != "complete" {
		t.Fatalf("after the last chunk: %s %s", n.Type, n.Payload)
	}
	e.fails(t, alice, "CONFLICT", `mutation($m: ID!) { stopGeneration(messageId: $m) { id } }`, msg)
	var c struct{ Conversation struct{ Title string } }
	e.ok(t, alice, `query($c: ID!) { conversation(id: $c) { title } }`, conv, &c)
	if c.Conversation.Title != "Mine" {
		t.Fatalf("alice's conversation %+v", c)
	}
}

func TestModelsLimitsAndDocuments(t *testing.T) {
	e := start(t, llmtest.Options{})
	const save = `mutation($in: AiModelInput!) { saveAiModel(input: $in) {
		id provider displayName inputPrice outputPrice contextWindow enabled offline } }`
	in := map[string]any{"in": map[string]any{"id": "big-model", "provider": "openai", "displayName": "Big",
		"inputPrice": "0.15", "outputPrice": "0.6", "contextWindow": 128000, "enabled": true}}
	e.fails(t, alice, "FORBIDDEN", save, in)
	e.fails(t, alice, "FORBIDDEN", `mutation { deleteAiModel(id: "test-model") }`, nil)
	type modelJSON struct {
		ID, Provider, DisplayName string
		InputPrice, OutputPrice   string
		ContextWindow             int
		Enabled, Offline          bool
	}
	var s struct{ SaveAiModel modelJSON }
	e.ok(t, admin, save, in, &s)
	if want := (modelJSON{"big-model", "openai", "Big", "0.150000", "0.600000", 128000, true, false}); s.SaveAiModel != want {
		t.Fatalf("saved %+v", s.SaveAiModel)
	}
	bad := map[string]any{"in": map[string]any{"id": "x", "provider": "openai", "displayName": "X",
		"inputPrice": "0.0000001", "outputPrice": "1", "contextWindow": 10, "enabled": true}}
	if r := e.do(t, admin, save, bad); len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "six decimals") {
		t.Fatalf("a price with seven decimals: %+v", r)
	}

	var m struct {
		AiModels       []modelJSON
		DefaultAiModel string
		AiLimits       struct {
			Role                            string
			MessagesPerMinute, MessagesLeft int
			TokensPerDay, TokensToday       int64
			TokensResetAt                   string
		}
	}
	e.ok(t, alice, `{ aiModels { id inputPrice enabled } defaultAiModel
		aiLimits { role messagesPerMinute messagesLeft tokensPerDay tokensToday tokensResetAt } }`, nil, &m)
	if len(m.AiModels) != 2 || m.AiModels[0].ID != "big-model" || m.AiModels[1].ID != "test-model" ||
		m.AiModels[1].InputPrice != "2.000000" || m.DefaultAiModel != "test-model" {
		t.Fatalf("models %+v", m)
	}
	lim := ai.DefaultLimits.For(ai.UserRoleUser)
	reset, err := time.Parse(time.RFC3339, m.AiLimits.TokensResetAt)
	if m.AiLimits.Role != "USER" || m.AiLimits.MessagesPerMinute != lim.MessagesPerMinute ||
		m.AiLimits.TokensPerDay != lim.TokensPerDay || err != nil || reset.Sub(time.Now()) > 24*time.Hour || reset.Before(time.Now()) {
		t.Fatalf("limits %+v (%v)", m.AiLimits, err)
	}

	var del struct{ DeleteAiModel string }
	e.ok(t, admin, `mutation { deleteAiModel(id: "big-model") }`, nil, &del)
	e.fails(t, admin, "INVALID", `mutation { deleteAiModel(id: "test-model") }`, nil)

	// Documents: uploaded inline, listed, found as entities by their owner only.
	type docJSON struct {
		ID, Name, ContentType string
		Size, ChunkCount      int
		EmbeddingModel        *string
		CreatedAt             string
	}
	var up struct{ UploadDocument docJSON }
	content := "# Notes\n\nThe launch code is tangerine.\n\nNothing else matters."
	e.ok(t, alice, `mutation($c: String!) { uploadDocument(name: "notes.md", content: $c) {
		id name contentType size chunkCount embeddingModel createdAt } }`, map[string]any{"c": content}, &up)
	d := up.UploadDocument
	if d.Name != "notes.md" || d.ContentType != "text/markdown" || d.Size != len(content) || d.ChunkCount < 1 || d.EmbeddingModel != nil {
		t.Fatalf("uploaded %+v", d)
	}
	e.fails(t, alice, "INVALID", `mutation { uploadDocument(name: "empty.txt", content: "   ") { id } }`, nil)
	var docs struct{ AiDocuments []docJSON }
	e.ok(t, alice, `{ aiDocuments { id name } }`, nil, &docs)
	if len(docs.AiDocuments) != 1 || docs.AiDocuments[0].ID != d.ID {
		t.Fatalf("documents %+v", docs)
	}
	const docEntity = `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on AiDocument { id name } } }`
	reps := map[string]any{"reps": []any{map[string]any{"__typename": "AiDocument", "id": d.ID}}}
	e.fails(t, mallory, "NOT_FOUND", docEntity, reps)
	e.fails(t, mallory, "NOT_FOUND", `mutation($d: ID!) { deleteAiDocument(id: $d) }`, map[string]any{"d": d.ID})
	var ent struct {
		Entities []docJSON `json:"_entities"`
	}
	e.ok(t, alice, docEntity, reps, &ent)
	if len(ent.Entities) != 1 || ent.Entities[0].Name != "notes.md" {
		t.Fatalf("document entity %+v", ent)
	}
	var dd struct{ DeleteAiDocument string }
	e.ok(t, alice, `mutation($d: ID!) { deleteAiDocument(id: $d) }`, map[string]any{"d": d.ID}, &dd)
	e.ok(t, alice, `{ aiDocuments { id name } }`, nil, &docs)
	if len(docs.AiDocuments) != 0 {
		t.Fatalf("documents after delete %+v", docs)
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

package rest_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"fedstack/platform/authn"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/aitest"
	"fedstack/subgraphs/ai/llm/llmtest"
	"fedstack/subgraphs/ai/postgres"
	"fedstack/subgraphs/ai/rest"
)

const (
	testIssuer   = "https://auth.test"
	testAudience = "fedstack-test"
	testKID      = "rest-test-key"
)

type env struct {
	url    string
	store  *postgres.Store
	key    ed25519.PrivateKey
	client *http.Client
}

// newEnv serves rest.New over real HTTP, on a real ai.Service (fresh PostgreSQL database,
// Redis stream log, local OpenAI-protocol model server) and a Verifier trusting a key made
// here.
func newEnv(t *testing.T, opts llmtest.Options) *env {
	t.Helper()
	e := aitest.New(t, opts, nil)
	svc, store := e.Service, e.Store
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	verifier := authn.NewVerifier(authn.VerifierOptions{
		Keys: func(context.Context) (map[string]crypto.PublicKey, error) {
			return map[string]crypto.PublicKey{testKID: pub}, nil
		},
		Issuer: testIssuer, Audience: testAudience,
	})
	h := rest.New(svc, verifier)
	mux := http.NewServeMux()
	mux.Handle("/api/ai", h)
	mux.Handle("/api/ai/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close) // registered last: runs first, before the chat and stores close
	return &env{url: srv.URL, store: store, key: key, client: &http.Client{Timeout: 30 * time.Second}}
}

// uniqueUser returns a user id no other test run uses.
func uniqueUser(name string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return name + "-" + hex.EncodeToString(b)
}

// token signs an EdDSA access token for user with key (the env's key when nil).
func (e *env) token(t *testing.T, user string, key ed25519.PrivateKey) string {
	t.Helper()
	if key == nil {
		key = e.key
	}
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "EdDSA", "typ": "at+jwt", "kid": testKID})
	now := time.Now().Unix()
	claims, _ := json.Marshal(map[string]any{"iss": testIssuer, "aud": testAudience, "sub": user,
		"sid": "session-" + user, "role": ai.UserRoleUser, "iat": now, "nbf": now, "exp": now + 900})
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	return signing + "." + enc.EncodeToString(ed25519.Sign(key, []byte(signing)))
}

// do sends a request; token "" sends none, body a string is sent as JSON unless the
// headers set a Content-Type.
func (e *env) do(t *testing.T, method, path, token string, body any, headers ...string) *http.Response {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case []byte:
		rd = bytes.NewReader(b)
	default:
		t.Fatalf("body of type %T", body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// want checks the status and decodes the JSON body into v (when not nil).
func want(t *testing.T, resp *http.Response, status int, v any) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d: %s", resp.Request.Method, resp.Request.URL.Path, resp.StatusCode, status, body)
	}
	if v != nil {
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("Content-Type %q: %s", ct, body)
		}
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("decoding %s: %v", body, err)
		}
	}
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// wantError checks an error answer: status, code and a message containing msg.
func wantError(t *testing.T, resp *http.Response, status int, code, msg string) {
	t.Helper()
	var e errorBody
	want(t, resp, status, &e)
	if e.Error.Code != code || !strings.Contains(e.Error.Message, msg) {
		t.Fatalf("error %+v, want %s containing %q", e.Error, code, msg)
	}
}

type message struct {
	ID             string  `json:"id"`
	ConversationID string  `json:"conversationId"`
	Seq            int     `json:"seq"`
	Role           string  `json:"role"`
	Content        string  `json:"content"`
	State          string  `json:"state"`
	Model          *string `json:"model"`
	TokensIn       int     `json:"tokensIn"`
	TokensOut      int     `json:"tokensOut"`
	Cost           string  `json:"cost"`
	Error          *string `json:"error"`
	Cached         bool    `json:"cached"`
	Citations      []struct {
		DocumentID   string `json:"documentId"`
		DocumentName string `json:"documentName"`
		Chunk        int    `json:"chunk"`
	} `json:"citations"`
	CreatedAt   time.Time  `json:"createdAt"`
	CompletedAt *time.Time `json:"completedAt"`
}

type conversation struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Model        string    `json:"model"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	MessageCount int       `json:"messageCount"`
	TokensIn     int64     `json:"tokensIn"`
	TokensOut    int64     `json:"tokensOut"`
	Cost         string    `json:"cost"`
}

type exchange struct {
	Conversation conversation `json:"conversation"`
	UserMessage  message      `json:"userMessage"`
	Message      message      `json:"message"`
}

type event struct {
	Name, ID, Data string
}

// events reads Server-Sent Events until the stream ends or until returns true.
func events(t *testing.T, resp *http.Response, until func(event) bool) []event {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("status %d, Content-Type %q: %s", resp.StatusCode, ct, body)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var out []event
	var cur event
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.Name != "" || cur.Data != "" {
				out = append(out, cur)
				if until != nil && until(cur) {
					return out
				}
			}
			cur = event{}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			cur.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "id: "):
			cur.ID = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "data: "):
			cur.Data += strings.TrimPrefix(line, "data: ")
		default:
			t.Fatalf("unexpected event stream line %q", line)
		}
	}
	return out
}

func isDone(ev event) bool { return ev.Name == "done" || ev.Name == "error" }

type chunk struct {
	Offset int    `json:"offset"`
	Text   string `json:"text"`
}

// chunks checks that the chunk events are contiguous from offset from, each with the id
// of the offset after it, followed by one done event; it returns their text and the done
// event's message.
func chunks(t *testing.T, evs []event, from int) (string, message) {
	t.Helper()
	var b strings.Builder
	pos := from
	for i, ev := range evs {
		switch ev.Name {
		case "chunk":
			var c chunk
			if err := json.Unmarshal([]byte(ev.Data), &c); err != nil {
				t.Fatal(err)
			}
			if c.Offset != pos || c.Text == "" {
				t.Fatalf("chunk %+v, want one at offset %d", c, pos)
			}
			pos += len(c.Text)
			if ev.ID != strconv.Itoa(pos) {
				t.Fatalf("chunk %+v has id %q, want %d", c, ev.ID, pos)
			}
			b.WriteString(c.Text)
		case "done":
			if i != len(evs)-1 {
				t.Fatalf("events after done: %+v", evs[i+1:])
			}
			var m message
			if err := json.Unmarshal([]byte(ev.Data), &m); err != nil {
				t.Fatal(err)
			}
			return b.String(), m
		default:
			t.Fatalf("unexpected event %+v", ev)
		}
	}
	t.Fatalf("no done event in %+v", evs)
	return "", message{}
}

func TestChatWholeAnswer(t *testing.T) {
	parts := []string{"Four", " score", " and", " seven", " years", "."}
	e := newEnv(t, llmtest.Options{Chunks: parts, ChunkInterval: 5 * time.Millisecond, PromptTokens: 1000, CompletionTokens: 500})
	alice := e.token(t, uniqueUser("alice"), nil)

	var ex exchange
	want(t, e.do(t, "POST", "/api/ai/chat", alice, `{"content":"Recite it"}`), http.StatusOK, &ex)
	m := ex.Message
	if m.State != "COMPLETE" || m.Content != strings.Join(parts, "") || m.Role != "ASSISTANT" ||
		m.TokensIn != 1000 || m.TokensOut != 500 || m.Cost != "0.006000" || m.Model == nil || *m.Model != "test-model" ||
		m.Error != nil || m.CompletedAt == nil || m.Citations == nil || m.ConversationID != ex.Conversation.ID {
		t.Fatalf("message %+v", m)
	}
	u := ex.UserMessage
	if u.Role != "USER" || u.Content != "Recite it" || u.State != "COMPLETE" || u.Seq >= m.Seq || u.Model != nil {
		t.Fatalf("user message %+v", u)
	}
	c := ex.Conversation
	if c.Title != "Recite it" || c.Model != "test-model" || c.MessageCount != 2 || c.TokensIn != 1000 ||
		c.TokensOut != 500 || c.Cost != "0.006000" || c.CreatedAt.IsZero() {
		t.Fatalf("conversation %+v", c)
	}

	// A second exchange in the same conversation adds up.
	var ex2 exchange
	want(t, e.do(t, "POST", "/api/ai/chat", alice, `{"conversationId":"`+c.ID+`","content":"Again","model":"test-model","stream":false}`), http.StatusOK, &ex2)
	if ex2.Conversation.ID != c.ID || ex2.Conversation.MessageCount != 4 || ex2.Conversation.Cost != "0.012000" {
		t.Fatalf("second exchange %+v", ex2.Conversation)
	}

	// The conversation with its messages, and the list.
	var got struct {
		Conversation conversation `json:"conversation"`
		Messages     []message    `json:"messages"`
	}
	want(t, e.do(t, "GET", "/api/ai/conversations/"+c.ID, alice, nil), http.StatusOK, &got)
	if got.Conversation.ID != c.ID || len(got.Messages) != 4 || got.Messages[1].ID != m.ID ||
		got.Messages[1].Content != m.Content || got.Messages[3].Content != strings.Join(parts, "") {
		t.Fatalf("conversation %+v", got)
	}
	var list struct {
		Conversations []conversation `json:"conversations"`
		EndCursor     *string        `json:"endCursor"`
		HasNextPage   bool           `json:"hasNextPage"`
	}
	want(t, e.do(t, "GET", "/api/ai/conversations", alice, nil), http.StatusOK, &list)
	if len(list.Conversations) != 1 || list.Conversations[0].ID != c.ID || list.HasNextPage || list.EndCursor == nil {
		t.Fatalf("list %+v", list)
	}

	// Paging: a second conversation, one per page.
	want(t, e.do(t, "POST", "/api/ai/chat", alice, `{"content":"Other"}`), http.StatusOK, nil)
	want(t, e.do(t, "GET", "/api/ai/conversations?first=1", alice, nil), http.StatusOK, &list)
	if len(list.Conversations) != 1 || list.Conversations[0].Title != "Other" || !list.HasNextPage {
		t.Fatalf("first page %+v", list)
	}
	want(t, e.do(t, "GET", "/api/ai/conversations?first=1&after="+*list.EndCursor, alice, nil), http.StatusOK, &list)
	if len(list.Conversations) != 1 || list.Conversations[0].ID != c.ID || list.HasNextPage {
		t.Fatalf("second page %+v", list)
	}
	wantError(t, e.do(t, "GET", "/api/ai/conversations?first=0", alice, nil), 400, "INVALID", "first must be between 1 and")

	// Delete, then it is gone.
	resp := e.do(t, "DELETE", "/api/ai/conversations/"+c.ID, alice, nil)
	want(t, resp, http.StatusNoContent, nil)
	wantError(t, e.do(t, "GET", "/api/ai/conversations/"+c.ID, alice, nil), 404, "NOT_FOUND", "")
}

func TestChatBadRequests(t *testing.T) {
	e := newEnv(t, llmtest.Options{})
	alice := e.token(t, uniqueUser("alice"), nil)
	wantError(t, e.do(t, "POST", "/api/ai/chat", alice, `{"content":""}`), 400, "INVALID", "the message is empty")
	wantError(t, e.do(t, "POST", "/api/ai/chat", alice, `{"content":"   \n"}`), 400, "INVALID", "the message is empty")
	wantError(t, e.do(t, "POST", "/api/ai/chat", alice, `{"content":"hi","temperature":1}`), 400, "INVALID", `unknown field "temperature"`)
	wantError(t, e.do(t, "POST", "/api/ai/chat", alice, `{"content":"hi","model":"nope"}`), 400, "INVALID", "unknown model")
	wantError(t, e.do(t, "POST", "/api/ai/chat", alice, []byte(`content=hi`), "Content-Type", "application/x-www-form-urlencoded"),
		415, "INVALID", "Content-Type: application/json")
	wantError(t, e.do(t, "GET", "/api/ai/nothing-here", alice, nil), 404, "NOT_FOUND", "no route")
	// Nothing was stored.
	var list struct {
		Conversations []conversation `json:"conversations"`
	}
	want(t, e.do(t, "GET", "/api/ai/conversations", alice, nil), http.StatusOK, &list)
	if list.Conversations == nil || len(list.Conversations) != 0 {
		t.Fatalf("conversations %+v", list)
	}
}

func TestUnauthenticated(t *testing.T) {
	e := newEnv(t, llmtest.Options{})
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	forged := e.token(t, "mallory", otherKey)
	for _, r := range []struct{ method, path string }{
		{"POST", "/api/ai/chat"}, {"GET", "/api/ai/conversations"}, {"GET", "/api/ai/conversations/x"},
		{"DELETE", "/api/ai/conversations/x"}, {"GET", "/api/ai/messages/x/stream"}, {"POST", "/api/ai/messages/x/stop"},
		{"GET", "/api/ai/documents"}, {"POST", "/api/ai/documents"},
	} {
		var body any
		if r.method == "POST" {
			body = `{"content":"hi"}`
		}
		wantError(t, e.do(t, r.method, r.path, "", body), 401, "UNAUTHENTICATED", "sign in first")
		wantError(t, e.do(t, r.method, r.path, forged, body), 401, "UNAUTHENTICATED", "")
		resp := e.do(t, r.method, r.path, "", body, "Authorization", "Basic abc")
		wantError(t, resp, 401, "UNAUTHENTICATED", "malformed Authorization header")
	}
}

func TestChatStreams(t *testing.T) {
	parts := []string{"Once", " upon", " a", " time", ", «ünïcödé»", " there", " was", " a", " stream", ".\nThe end."}
	e := newEnv(t, llmtest.Options{Chunks: parts, ChunkInterval: 15 * time.Millisecond, PromptTokens: 100, CompletionTokens: 10})
	user := uniqueUser("alice")
	alice := e.token(t, user, nil)

	for _, how := range []struct {
		body    string
		headers []string
	}{
		{`{"content":"Tell me a story","stream":true}`, nil},
		{`{"content":"Tell me a story"}`, []string{"Accept", "text/event-stream"}},
	} {
		resp := e.do(t, "POST", "/api/ai/chat", alice, how.body, how.headers...)
		evs := events(t, resp, nil)
		resp.Body.Close()
		if len(evs) < 3 || evs[0].Name != "start" {
			t.Fatalf("events %+v", evs)
		}
		var start exchange
		if err := json.Unmarshal([]byte(evs[0].Data), &start); err != nil {
			t.Fatal(err)
		}
		if start.Message.State != "STREAMING" || start.UserMessage.Content != "Tell me a story" || start.Conversation.ID == "" {
			t.Fatalf("start %+v", start)
		}
		text, done := chunks(t, evs[1:], 0)
		if want := strings.Join(parts, ""); text != want {
			t.Fatalf("streamed %q, want %q", text, want)
		}
		if len(evs) < 5 {
			t.Errorf("only %d events: the chunks were not sent as they came", len(evs))
		}
		if done.ID != start.Message.ID || done.State != "COMPLETE" || done.Content != text || done.TokensOut != 10 || done.Cost != "0.000280" {
			t.Fatalf("done %+v", done)
		}
		stored, err := e.store.Message(context.Background(), user, done.ID)
		if err != nil || stored.Content != text || stored.State != ai.StateComplete {
			t.Fatalf("stored %+v %v", stored, err)
		}
	}
}

func TestResumeAfterDisconnect(t *testing.T) {
	text := strings.Repeat("lorem ipsum ", 30)
	e := newEnv(t, llmtest.Options{Text: text, ChunkInterval: 15 * time.Millisecond})
	user := uniqueUser("alice")
	alice := e.token(t, user, nil)

	// Read the start and three chunks, then hang up.
	resp := e.do(t, "POST", "/api/ai/chat", alice, `{"content":"Talk","stream":true}`)
	n := 0
	first := events(t, resp, func(ev event) bool {
		if ev.Name == "chunk" {
			n++
		}
		return n == 3
	})
	resp.Body.Close()
	var start exchange
	if err := json.Unmarshal([]byte(first[0].Data), &start); err != nil {
		t.Fatal(err)
	}
	got, _ := chunks(t, append(first[1:], event{Name: "done", Data: "{}"}), 0)
	last := first[len(first)-1].ID
	id := start.Message.ID

	// Resume with Last-Event-ID (it wins over ?offset): exactly the rest.
	resp = e.do(t, "GET", "/api/ai/messages/"+id+"/stream?offset=1", alice, nil, "Last-Event-ID", last)
	rest, done := chunks(t, events(t, resp, isDone), len(got))
	resp.Body.Close()
	if got+rest != done.Content || done.State != "COMPLETE" {
		t.Fatalf("received %q + %q, stored %q (%s)", got, rest, done.Content, done.State)
	}
	if strings.TrimSpace(done.Content) != strings.TrimSpace(text) {
		t.Fatalf("stored %q, want %q", done.Content, text)
	}
	m, err := e.store.Message(context.Background(), user, id)
	if err != nil || m.Content != done.Content || m.State != ai.StateComplete {
		t.Fatalf("stored %+v %v", m, err)
	}

	// Resume a finished answer with ?offset; at its end only done comes.
	resp = e.do(t, "GET", "/api/ai/messages/"+id+"/stream?offset=6", alice, nil)
	rest, _ = chunks(t, events(t, resp, isDone), 6)
	resp.Body.Close()
	if rest != done.Content[6:] {
		t.Fatalf("from 6: %q", rest)
	}
	resp = e.do(t, "GET", "/api/ai/messages/"+id+"/stream", alice, nil, "Last-Event-ID", strconv.Itoa(len(done.Content)))
	evs := events(t, resp, isDone)
	resp.Body.Close()
	if len(evs) != 1 || evs[0].Name != "done" || evs[0].ID != strconv.Itoa(len(done.Content)) {
		t.Fatalf("at the end: %+v", evs)
	}

	// Bad offsets.
	for _, q := range []string{"?offset=abc", "?offset=-1", "?offset=" + strconv.Itoa(len(done.Content)+1)} {
		wantError(t, e.do(t, "GET", "/api/ai/messages/"+id+"/stream"+q, alice, nil), 400, "INVALID", "offset")
	}
	wantError(t, e.do(t, "GET", "/api/ai/messages/"+id+"/stream", alice, nil, "Last-Event-ID", "x"), 400, "INVALID", "Last-Event-ID")
	// A user message cannot be followed.
	wantError(t, e.do(t, "GET", "/api/ai/messages/"+start.UserMessage.ID+"/stream", alice, nil), 400, "INVALID", "")
}

func TestStop(t *testing.T) {
	e := newEnv(t, llmtest.Options{Text: strings.Repeat("word ", 400), ChunkInterval: 15 * time.Millisecond})
	alice := e.token(t, uniqueUser("alice"), nil)
	resp := e.do(t, "POST", "/api/ai/chat", alice, `{"content":"Go on and on","stream":true}`)
	defer resp.Body.Close()
	var id string
	var stopped message
	evs := events(t, resp, func(ev event) bool {
		switch ev.Name {
		case "start":
			var s exchange
			if err := json.Unmarshal([]byte(ev.Data), &s); err != nil {
				t.Fatal(err)
			}
			id = s.Message.ID
		case "chunk":
			if stopped.ID == "" {
				want(t, e.do(t, "POST", "/api/ai/messages/"+id+"/stop", alice, nil), http.StatusOK, &stopped)
			}
		}
		return isDone(ev)
	})
	text, done := chunks(t, evs[1:], 0)
	if stopped.State != "STOPPED" || done.State != "STOPPED" || done.Content != text || stopped.Content != text ||
		len(text) == 0 || len(text) >= 2000 {
		t.Fatalf("stopped %+v, done %+v, streamed %d bytes", stopped, done, len(text))
	}
	wantError(t, e.do(t, "POST", "/api/ai/messages/"+id+"/stop", alice, "{}"), 409, "CONFLICT", "no longer being generated")
}

func TestOtherUsersConversationIsNotFound(t *testing.T) {
	e := newEnv(t, llmtest.Options{Text: strings.Repeat("slow ", 100), ChunkInterval: 20 * time.Millisecond})
	aliceID := uniqueUser("alice")
	alice, bob := e.token(t, aliceID, nil), e.token(t, uniqueUser("bob"), nil)
	resp := e.do(t, "POST", "/api/ai/chat", alice, `{"content":"Secret","stream":true}`)
	evs := events(t, resp, func(event) bool { return true })
	resp.Body.Close()
	var start exchange
	if err := json.Unmarshal([]byte(evs[0].Data), &start); err != nil {
		t.Fatal(err)
	}
	conv, msg := start.Conversation.ID, start.Message.ID

	wantError(t, e.do(t, "GET", "/api/ai/conversations/"+conv, bob, nil), 404, "NOT_FOUND", "")
	wantError(t, e.do(t, "DELETE", "/api/ai/conversations/"+conv, bob, nil), 404, "NOT_FOUND", "")
	wantError(t, e.do(t, "GET", "/api/ai/messages/"+msg+"/stream", bob, nil), 404, "NOT_FOUND", "")
	wantError(t, e.do(t, "POST", "/api/ai/messages/"+msg+"/stop", bob, nil), 404, "NOT_FOUND", "")
	wantError(t, e.do(t, "POST", "/api/ai/chat", bob, `{"conversationId":"`+conv+`","content":"mine now"}`), 404, "NOT_FOUND", "")
	var list struct {
		Conversations []conversation `json:"conversations"`
	}
	want(t, e.do(t, "GET", "/api/ai/conversations", bob, nil), http.StatusOK, &list)
	if len(list.Conversations) != 0 {
		t.Fatalf("bob sees %+v", list.Conversations)
	}

	// Alice's conversation is untouched and her answer still streaming; she can stop it.
	var stopped message
	want(t, e.do(t, "POST", "/api/ai/messages/"+msg+"/stop", alice, nil), http.StatusOK, &stopped)
	if stopped.State != "STOPPED" {
		t.Fatalf("stopped %+v", stopped)
	}
	if m, err := e.store.Message(context.Background(), aliceID, msg); err != nil || m.State != ai.StateStopped {
		t.Fatalf("stored %+v %v", m, err)
	}
	want(t, e.do(t, "GET", "/api/ai/conversations/"+conv, alice, nil), http.StatusOK, nil)
}

// multipartBody builds a multipart body with one file part.
func multipartBody(t *testing.T, field, filename, ctype string, content []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	pw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = pw.Write(content)
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

type document struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	ContentType    string    `json:"contentType"`
	Size           int64     `json:"size"`
	ChunkCount     int       `json:"chunkCount"`
	EmbeddingModel *string   `json:"embeddingModel"`
	CreatedAt      time.Time `json:"createdAt"`
}

func TestDocuments(t *testing.T) {
	e := newEnv(t, llmtest.Options{})
	alice, bob := e.token(t, uniqueUser("alice"), nil), e.token(t, uniqueUser("bob"), nil)
	md := []byte("# Notes\n\nThe launch code is *swordfish*.\n\nBring snacks.\n")
	body, ctype := multipartBody(t, "file", "notes.md", "text/markdown", md)
	var doc document
	resp := e.do(t, "POST", "/api/ai/documents", alice, body, "Content-Type", ctype)
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/api/ai/documents/") {
		t.Errorf("Location %q", loc)
	}
	want(t, resp, http.StatusCreated, &doc)
	if doc.ID == "" || doc.Name != "notes.md" || doc.ContentType != "text/markdown" || doc.Size != int64(len(md)) ||
		doc.ChunkCount < 1 || doc.CreatedAt.IsZero() {
		t.Fatalf("document %+v", doc)
	}

	// A raw text body with ?name=.
	var txt document
	want(t, e.do(t, "POST", "/api/ai/documents?name=todo.txt", alice, []byte("buy milk"), "Content-Type", "text/plain; charset=utf-8"),
		http.StatusCreated, &txt)
	if txt.ContentType != "text/plain" || txt.Name != "todo.txt" {
		t.Fatalf("text document %+v", txt)
	}

	// Refused uploads store nothing.
	binary := []byte{0x89, 'P', 'N', 'G', 0xff, 0xfe, 0x00, 0x01, 0xc3}
	body, ctype = multipartBody(t, "file", "notes.txt", "text/plain", binary)
	wantError(t, e.do(t, "POST", "/api/ai/documents", alice, body, "Content-Type", ctype), 400, "INVALID", "not UTF-8 text")
	body, ctype = multipartBody(t, "file", "photo.png", "image/png", binary)
	wantError(t, e.do(t, "POST", "/api/ai/documents", alice, body, "Content-Type", ctype), 400, "INVALID", `not "image/png"`)
	wantError(t, e.do(t, "POST", "/api/ai/documents?name=a.pdf", alice, binary, "Content-Type", "application/pdf"),
		415, "INVALID", `not "application/pdf"`)
	body, ctype = multipartBody(t, "upload", "notes.md", "text/markdown", md)
	wantError(t, e.do(t, "POST", "/api/ai/documents", alice, body, "Content-Type", ctype), 400, "INVALID", `unknown form field "upload"`)
	wantError(t, e.do(t, "POST", "/api/ai/documents", alice, md, "Content-Type", "text/markdown"), 400, "INVALID", "?name=")
	big := bytes.Repeat([]byte("a"), ai.MaxDocumentBytes+1)
	body, ctype = multipartBody(t, "file", "big.md", "text/markdown", big)
	wantError(t, e.do(t, "POST", "/api/ai/documents", alice, body, "Content-Type", ctype), 413, "INVALID", strconv.Itoa(ai.MaxDocumentBytes))
	wantError(t, e.do(t, "POST", "/api/ai/documents?name=big.txt", alice, append(big, make([]byte, 100<<10)...), "Content-Type", "text/plain"),
		413, "INVALID", strconv.Itoa(ai.MaxDocumentBytes))
	// Exactly the limit is fine (in paragraphs: splitting one 2 MiB paragraph takes seconds).
	limit := bytes.Repeat([]byte("Lorem ipsum dolor sit amet.\n\n"), ai.MaxDocumentBytes/29+1)[:ai.MaxDocumentBytes]
	want(t, e.do(t, "POST", "/api/ai/documents?name=limit.txt", alice, limit, "Content-Type", "text/plain"), http.StatusCreated, nil)

	var list struct {
		Documents []document `json:"documents"`
	}
	want(t, e.do(t, "GET", "/api/ai/documents", alice, nil), http.StatusOK, &list)
	names := []string{}
	for _, d := range list.Documents {
		names = append(names, d.Name)
	}
	if len(names) != 3 || !strings.Contains(strings.Join(names, ","), "notes.md") || !strings.Contains(strings.Join(names, ","), "todo.txt") {
		t.Fatalf("documents %v", names)
	}
	want(t, e.do(t, "GET", "/api/ai/documents", bob, nil), http.StatusOK, &list)
	if len(list.Documents) != 0 {
		t.Fatalf("bob sees %+v", list.Documents)
	}
	wantError(t, e.do(t, "DELETE", "/api/ai/documents/"+doc.ID, bob, nil), 404, "NOT_FOUND", "")
	want(t, e.do(t, "DELETE", "/api/ai/documents/"+doc.ID, alice, nil), http.StatusNoContent, nil)
	want(t, e.do(t, "GET", "/api/ai/documents", alice, nil), http.StatusOK, &list)
	if len(list.Documents) != 2 {
		t.Fatalf("after delete: %+v", list.Documents)
	}
}

func TestBusyIsRateLimitedWithRetryAfter(t *testing.T) {
	// Two workers and four queue places (newEnv): six answers that wait for their first
	// token fill the pool.
	e := newEnv(t, llmtest.Options{FirstTokenDelay: 20 * time.Second})
	alice := e.token(t, uniqueUser("alice"), nil)
	for i := range 6 {
		resp := e.do(t, "POST", "/api/ai/chat", alice, fmt.Sprintf(`{"content":"question %d","stream":true}`, i))
		if evs := events(t, resp, func(event) bool { return true }); len(evs) != 1 || evs[0].Name != "start" {
			t.Fatalf("answer %d: %+v", i, evs)
		}
		resp.Body.Close() // hang up; the answer stays queued
	}
	resp := e.do(t, "POST", "/api/ai/chat", alice, `{"content":"one more"}`)
	if ra := resp.Header.Get("Retry-After"); ra != "2" {
		t.Errorf("Retry-After %q, want 2", ra)
	}
	wantError(t, resp, http.StatusTooManyRequests, "RATE_LIMITED", "busy")
}

package gqlserver_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/golang-jwt/jwt/v5"

	"fedstack/platform/authn"
	"fedstack/platform/gqlserver"
	"fedstack/platform/httpserver"
	"fedstack/platform/logging"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type env struct {
	url    string
	logs   *syncBuffer
	key    ed25519.PrivateKey
	cancel context.CancelFunc
	served chan error
}

// start serves the handler through httpserver.Serve, as a subgraph does.
func start(t *testing.T, opts gqlserver.Options) *env {
	t.Helper()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	logs := &syncBuffer{}
	logger := logging.New(logs, "test", "info")
	opts.Logger = logger
	opts.Verifier = authn.NewVerifier(authn.VerifierOptions{
		Keys: func(context.Context) (map[string]crypto.PublicKey, error) {
			return map[string]crypto.PublicKey{"k": pub}, nil
		},
		Issuer:   "iss",
		Audience: "aud",
	})
	srv := gqlserver.New(newTestSchema(), opts)
	mux := http.NewServeMux()
	mux.Handle("/graphql", srv)

	ln := httptest.NewUnstartedServer(nil) // only to borrow a free port
	addr := ln.Listener.Addr().String()
	ln.Listener.Close()

	ctx, cancel := context.WithCancel(context.Background())
	e := &env{url: "http://" + addr, logs: logs, key: key, cancel: cancel, served: make(chan error, 1)}
	go func() { e.served <- httpserver.Serve(ctx, addr, logging.Middleware(logger)(mux), logger) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), `"msg":"listening"`) {
		if time.Now().After(deadline) {
			t.Fatal("server did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Cleanup(func() {
		cancel()
		<-e.served
	})
	return e
}

func (e *env) token(t *testing.T, sub string) string {
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, &authn.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: "iss", Audience: jwt.ClaimStrings{"aud"}, Subject: sub,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Minute)),
		},
	})
	tok.Header["kid"] = "k"
	s, err := tok.SignedString(e.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type gqlResponse struct {
	Data   map[string]any
	Errors []struct {
		Message    string
		Path       []any
		Extensions map[string]any
	}
}

func (e *env) post(t *testing.T, query string) (int, gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query})
	req, _ := http.NewRequest("POST", e.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "req-7")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r gqlResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("body %s: %v", raw, err)
	}
	return resp.StatusCode, r
}

func TestQueryAndErrors(t *testing.T) {
	e := start(t, gqlserver.Options{})

	_, r := e.post(t, "{ hello }")
	if r.Data["hello"] != "world" || len(r.Errors) != 0 {
		t.Fatalf("hello: %+v", r)
	}

	_, r = e.post(t, "{ notFound limited }")
	if len(r.Errors) != 2 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	for _, er := range r.Errors {
		switch er.Extensions["code"] {
		case "NOT_FOUND":
			if er.Message != "no todo with id 42" || er.Extensions["field"] != "id" || len(er.Path) != 1 || er.Path[0] != "notFound" {
				t.Errorf("NOT_FOUND error: %+v", er)
			}
		case "RATE_LIMITED":
			if er.Extensions["retryAfter"] != float64(30) {
				t.Errorf("RATE_LIMITED error: %+v", er)
			}
		default:
			t.Errorf("unexpected error %+v", er)
		}
	}

	_, r = e.post(t, "{ internal }")
	if len(r.Errors) != 1 || r.Errors[0].Message != "internal error" || r.Errors[0].Extensions["code"] != "INTERNAL" || r.Errors[0].Extensions["requestId"] != "req-7" {
		t.Fatalf("internal: %+v", r.Errors)
	}
	if !strings.Contains(e.logs.String(), "password authentication failed") || !strings.Contains(e.logs.String(), `"request_id":"req-7"`) {
		t.Errorf("internal error not logged with the request id:\n%s", e.logs)
	}

	_, r = e.post(t, "{ boom }")
	if len(r.Errors) != 1 || r.Errors[0].Message != "internal error" || r.Errors[0].Extensions["code"] != "INTERNAL" {
		t.Fatalf("panic: %+v", r.Errors)
	}
	if !strings.Contains(e.logs.String(), `"msg":"graphql panic"`) || !strings.Contains(e.logs.String(), "nil map write") || !strings.Contains(e.logs.String(), "goroutine") {
		t.Errorf("panic not logged with a stack:\n%s", e.logs)
	}

	_, r = e.post(t, "{ nope }")
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "GRAPHQL_VALIDATION_FAILED" || !strings.Contains(r.Errors[0].Message, "nope") {
		t.Fatalf("validation: %+v", r.Errors)
	}
	_, r = e.post(t, "{ hello ")
	if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "GRAPHQL_PARSE_FAILED" {
		t.Fatalf("parse: %+v", r.Errors)
	}
}

// ws opens a graphql-transport-ws connection.
func (e *env) ws(t *testing.T) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(e.url, "http")+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func send(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	if err := c.Write(context.Background(), websocket.MessageText, []byte(msg)); err != nil {
		t.Fatal(err)
	}
}

type wsMessage struct {
	Type    string
	ID      string
	Payload json.RawMessage
}

// read returns the next message, or the close status when the server closed.
func read(t *testing.T, c *websocket.Conn) (wsMessage, websocket.StatusCode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	if err != nil {
		if code := websocket.CloseStatus(err); code != -1 {
			return wsMessage{}, code
		}
		t.Fatalf("read: %v", err)
	}
	var m wsMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("bad message %s", data)
	}
	return m, 0
}

func expectType(t *testing.T, c *websocket.Conn, typ string) wsMessage {
	t.Helper()
	for {
		m, code := read(t, c)
		if code != 0 {
			t.Fatalf("closed with %d, want %s", code, typ)
		}
		if m.Type == "ping" {
			continue
		}
		if m.Type != typ {
			t.Fatalf("got %+v, want %s", m, typ)
		}
		return m
	}
}

func expectClose(t *testing.T, c *websocket.Conn, want websocket.StatusCode) {
	t.Helper()
	for {
		m, code := read(t, c)
		if code == want {
			return
		}
		if code != 0 {
			t.Fatalf("closed with %d, want %d", code, want)
		}
		// gqlgen may end the operations still running (complete) as it closes.
		if m.Type == "ping" || m.Type == "complete" {
			continue
		}
		t.Fatalf("got %+v, want close %d", m, want)
	}
}

func TestWebsocketSubscriptionWithToken(t *testing.T) {
	e := start(t, gqlserver.Options{})
	c := e.ws(t)
	send(t, c, `{"type":"connection_init","payload":{"authorization":"Bearer `+e.token(t, "user-9")+`"}}`)
	expectType(t, c, "connection_ack")

	send(t, c, `{"type":"subscribe","id":"1","payload":{"query":"subscription { whoami }"}}`)
	m := expectType(t, c, "next")
	if m.ID != "1" || !strings.Contains(string(m.Payload), `"whoami":"user-9"`) {
		t.Fatalf("next = %+v %s", m, m.Payload)
	}
	// Reusing an active id is refused with 4409.
	send(t, c, `{"type":"subscribe","id":"1","payload":{"query":"subscription { whoami }"}}`)
	expectClose(t, c, gqlserver.CloseSubscriberAlreadyExists)
}

func TestWebsocketStreamCompletes(t *testing.T) {
	e := start(t, gqlserver.Options{})
	c := e.ws(t)
	send(t, c, `{"type":"connection_init"}`)
	expectType(t, c, "connection_ack")
	send(t, c, `{"type":"subscribe","id":"a","payload":{"query":"subscription { ticks(n: 3) }"}}`)
	for i := 1; i <= 3; i++ {
		m := expectType(t, c, "next")
		if !strings.Contains(string(m.Payload), `"ticks":`+string(rune('0'+i))) {
			t.Fatalf("tick %d: %s", i, m.Payload)
		}
	}
	expectType(t, c, "complete")
	// The id is free again once completed.
	send(t, c, `{"type":"subscribe","id":"a","payload":{"query":"subscription { ticks(n: 1) }"}}`)
	expectType(t, c, "next")
}

func TestWebsocketCloseCodes(t *testing.T) {
	e := start(t, gqlserver.Options{InitTimeout: 200 * time.Millisecond})

	t.Run("bad token 4403", func(t *testing.T) {
		c := e.ws(t)
		send(t, c, `{"type":"connection_init","payload":{"authorization":"Bearer not-a-jwt"}}`)
		expectClose(t, c, gqlserver.CloseForbidden)
	})
	t.Run("init timeout 4408", func(t *testing.T) {
		c := e.ws(t)
		expectClose(t, c, gqlserver.CloseInitTimeout)
	})
	t.Run("second init 4429", func(t *testing.T) {
		c := e.ws(t)
		send(t, c, `{"type":"connection_init"}`)
		expectType(t, c, "connection_ack")
		send(t, c, `{"type":"connection_init"}`)
		expectClose(t, c, gqlserver.CloseTooManyInitialisationReqs)
	})
	t.Run("subscribe before init 4401", func(t *testing.T) {
		c := e.ws(t)
		send(t, c, `{"type":"subscribe","id":"1","payload":{"query":"subscription { whoami }"}}`)
		expectClose(t, c, gqlserver.CloseUnauthorized)
	})
	t.Run("invalid message 4400", func(t *testing.T) {
		c := e.ws(t)
		send(t, c, `{"type":"connection_init"}`)
		expectType(t, c, "connection_ack")
		send(t, c, `{"type":"bogus"}`)
		expectClose(t, c, gqlserver.CloseBadRequest)
	})
	t.Run("ping before init", func(t *testing.T) {
		c := e.ws(t)
		send(t, c, `{"type":"ping"}`)
		expectType(t, c, "pong")
		send(t, c, `{"type":"connection_init"}`)
		expectType(t, c, "connection_ack")
	})
}

func TestWebsocketClosesOnShutdown(t *testing.T) {
	e := start(t, gqlserver.Options{})
	c := e.ws(t)
	send(t, c, `{"type":"connection_init"}`)
	expectType(t, c, "connection_ack")
	send(t, c, `{"type":"subscribe","id":"1","payload":{"query":"subscription { whoami }"}}`)
	expectType(t, c, "next")

	e.cancel()
	expectClose(t, c, websocket.StatusGoingAway)
	select {
	case err := <-e.served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
		e.served <- nil // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("server did not stop")
	}
}

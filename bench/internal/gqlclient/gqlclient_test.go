package gqlclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fedstack/bench/internal/gqlclient/gqltest"
	"github.com/coder/websocket"
)

// server is a client of a stand-in endpoint that answers with answer.
func server(t *testing.T, answer gqltest.Answer) *Client {
	return New(gqltest.Server(t, answer), 5*time.Second, 2)
}

func TestDoDecodesDataAndSendsTheBearer(t *testing.T) {
	var sent atomic.Bool
	c := server(t, func(q string, vars map[string]any, auth string) (int, string) {
		if !sent.Load() {
			return 500, "the request arrived before sent was called"
		}
		if q != "{ me { id } }" || auth != "Bearer tok" || vars != nil {
			return 400, "unexpected request"
		}
		return 200, `{"data":{"me":{"id":"u1"}}}`
	})
	var out struct {
		Me struct{ ID string } `json:"me"`
	}
	if err := c.Do(context.Background(), "{ me { id } }", nil, "tok", &out, func() { sent.Store(true) }); err != nil {
		t.Fatal(err)
	}
	if out.Me.ID != "u1" {
		t.Errorf("decoded %+v, want id u1", out)
	}
}

func TestDoCountsEveryWrongAnswerAsAnError(t *testing.T) {
	c := server(t, func(q string, _ map[string]any, _ string) (int, string) {
		switch q {
		case "status":
			return 502, "bad gateway"
		case "html":
			return 200, "<html>oops</html>"
		case "errors":
			return 200, `{"errors":[{"message":"sign in first","extensions":{"code":"UNAUTHENTICATED"}},{"message":"again"}],"data":null}`
		case "shape":
			return 200, `{"data":{"me":"not an object"}}`
		}
		return 200, `{"data":{}}`
	})
	var out struct {
		Me struct{ ID string } `json:"me"`
	}
	for q, want := range map[string]string{
		"status": "status 502: bad gateway",
		"html":   "the answer is not JSON",
		"errors": "GraphQL error UNAUTHENTICATED: sign in first (2 errors)",
		"shape":  "unexpected data",
	} {
		err := c.Do(context.Background(), q, nil, "", &out, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one with %q", q, err, want)
		}
	}
	if err := New("http://127.0.0.1:1/graphql", time.Second, 1).Do(context.Background(), "{ x }", nil, "", nil, nil); err == nil {
		t.Error("no error from an endpoint nothing listens on")
	}
	if (Errors{}).Err() != nil || Snippet([]byte("ab\xffcd"), 4) != "ab?c" {
		t.Errorf("Errors{}.Err() = %v, Snippet = %q", (Errors{}).Err(), Snippet([]byte("ab\xffcd"), 4))
	}
}

func TestSignup(t *testing.T) {
	c := server(t, func(q string, vars map[string]any, _ string) (int, string) {
		in, _ := vars["in"].(map[string]any)
		switch {
		case q != SignupOp || in["password"] != "pw" || in["name"] != "N":
			return 400, "unexpected request"
		case in["email"] == "ok@example.com":
			return 200, `{"data":{"signup":{"accessToken":"tok","user":{"id":"u1"}}}}`
		case in["email"] == "taken@example.com":
			return 200, `{"errors":[{"message":"the email is taken","extensions":{"code":"CONFLICT"}}]}`
		}
		return 200, `{"data":{"signup":{"accessToken":"","user":{"id":"u2"}}}}`
	})
	ctx := context.Background()
	if tok, err := c.Signup(ctx, "ok@example.com", "pw", "N"); err != nil || tok != "tok" {
		t.Fatalf("Signup = %q, %v; want tok", tok, err)
	}
	if _, err := c.Signup(ctx, "taken@example.com", "pw", "N"); err == nil || !strings.Contains(err.Error(), "signup of taken@example.com: GraphQL error CONFLICT") {
		t.Errorf("a refused signup: %v", err)
	}
	if _, err := c.Signup(ctx, "empty@example.com", "pw", "N"); err == nil || !strings.Contains(err.Error(), "no access token") {
		t.Errorf("a signup without a token: %v", err)
	}
}

func TestWSURL(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:4000/graphql": "ws://127.0.0.1:4000/graphql",
		"https://example.com/graphql":   "wss://example.com/graphql",
	} {
		if got := WSURL(in); got != want {
			t.Errorf("WSURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// wsServer accepts websockets with the protocols given and runs serve on each.
func wsServer(t *testing.T, protocols []string, serve func(ctx context.Context, c *websocket.Conn)) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: protocols})
		if err != nil {
			return
		}
		defer c.CloseNow()
		serve(r.Context(), c)
	}))
	t.Cleanup(s.Close)
	return WSURL(s.URL + "/graphql")
}

func TestDialInitsTheConnectionAndReadMessageTellsBadFramesApart(t *testing.T) {
	url := wsServer(t, []string{Subprotocol}, func(ctx context.Context, c *websocket.Conn) {
		m, _, err := ReadMessage(ctx, c)
		var init struct{ Authorization string }
		if err != nil || m.Type != "connection_init" || json.Unmarshal(m.Payload, &init) != nil || init.Authorization != "Bearer tok" {
			c.Close(4403, "Forbidden")
			return
		}
		// A ping before the ack must be answered.
		_ = WriteMessage(ctx, c, Message{Type: "ping"})
		if m, _, err := ReadMessage(ctx, c); err != nil || m.Type != "pong" {
			c.Close(4400, "no pong")
			return
		}
		_ = WriteMessage(ctx, c, Message{Type: "connection_ack"})
		_ = c.Write(ctx, websocket.MessageBinary, []byte{1, 2})
		_ = c.Write(ctx, websocket.MessageText, []byte("hello"))
		_ = WriteMessage(ctx, c, Message{Type: "next", ID: "1", Payload: json.RawMessage(`{"data":{}}`)})
		c.Close(websocket.StatusNormalClosure, "")
	})
	d, err := NewWSDialer(url, "127.0.0.1", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := d.Dial(ctx, "tok")
	if err != nil {
		t.Fatal(err)
	}
	defer c.CloseNow()
	for _, want := range []string{"the server sent a binary frame", "the server sent something that is not JSON: hello"} {
		before := time.Now()
		_, at, err := ReadMessage(ctx, c)
		var fe FrameError
		if !errors.As(err, &fe) || err.Error() != want || at.Before(before) {
			t.Errorf("read %v (at %v), want the frame error %q", err, at, want)
		}
	}
	if m, _, err := ReadMessage(ctx, c); err != nil || m.Type != "next" || m.ID != "1" || string(m.Payload) != `{"data":{}}` {
		t.Errorf("read %+v, %v; want next 1", m, err)
	}
	_, _, err = ReadMessage(ctx, c)
	var fe FrameError
	if err == nil || errors.As(err, &fe) {
		t.Errorf("after the close: %v, want an error that ends the connection", err)
	}

	// The wrong token: the server closes instead of the ack.
	if _, err := d.Dial(ctx, "other"); err == nil || !strings.Contains(err.Error(), "connection_ack") {
		t.Errorf("a refused connection_init: %v", err)
	}
}

func TestDialRefusesWhatIsNotGraphQLTransportWS(t *testing.T) {
	ctx := context.Background()
	noProtocol := wsServer(t, nil, func(context.Context, *websocket.Conn) {})
	d, _ := NewWSDialer(noProtocol, "", 5*time.Second)
	if _, err := d.Dial(ctx, "tok"); err == nil || !strings.Contains(err.Error(), "subprotocol") {
		t.Errorf("a server without the subprotocol: %v", err)
	}
	wrongAnswer := wsServer(t, []string{Subprotocol}, func(ctx context.Context, c *websocket.Conn) {
		_, _, _ = ReadMessage(ctx, c)
		_ = WriteMessage(ctx, c, Message{Type: "next", ID: "1"})
		_, _, _ = c.Read(ctx)
	})
	d, _ = NewWSDialer(wrongAnswer, "", 5*time.Second)
	if _, err := d.Dial(ctx, "tok"); err == nil || !strings.Contains(err.Error(), `"next", want connection_ack`) {
		t.Errorf("an answer other than the ack: %v", err)
	}
	silent := wsServer(t, []string{Subprotocol}, func(ctx context.Context, c *websocket.Conn) { _, _, _ = c.Read(ctx) })
	d, _ = NewWSDialer(silent, "", 200*time.Millisecond)
	if _, err := d.Dial(ctx, "tok"); err == nil {
		t.Error("no error from a server that never acknowledges")
	}
	if _, err := NewWSDialer(silent, "localhost", time.Second); err == nil {
		t.Error("a local address that is no IP address was accepted")
	}
}

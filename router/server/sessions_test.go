package server_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/platformtest"
	routerserver "fedstack/router/server"
)

func sessionOf(t *testing.T, token string) string {
	t.Helper()
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		SID string `json:"sid"`
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.SID == "" {
		t.Fatalf("no sid in %s", payload)
	}
	return c.SID
}

// endSession does what the auth subgraph does when a session ends: remember it in Redis,
// then announce it.
func endSession(t *testing.T, sid string) {
	t.Helper()
	opts, _ := redis.ParseURL(platformtest.RedisURL(t))
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx := context.Background()
	if err := rdb.Set(ctx, routerserver.RevokedSessionKeyPrefix+sid, "1", 20*time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]string{"sessionId": sid, "userId": "u"})
	if err := rdb.Publish(ctx, routerserver.SessionTerminatedChannel, payload).Err(); err != nil {
		t.Fatal(err)
	}
}

// TestEndedSessionClosesSubscriptionsAndRefusesItsToken: when a session ends, its open
// websocket closes within 1 s and its access token gets 401 from then on; other sessions
// are untouched.
func TestEndedSessionClosesSubscriptionsAndRefusesItsToken(t *testing.T) {
	s := startStack(t, nil)
	token, _ := s.signup(t, "Una")
	other, _ := s.signup(t, "Vic")

	c := s.dialWS(t)
	c.init(token)
	c.send(subscribeMsg("1", todoChangedQuery))
	keep := s.dialWS(t)
	keep.init(other)
	keep.send(subscribeMsg("1", todoChangedQuery))
	time.Sleep(200 * time.Millisecond)

	start := time.Now()
	endSession(t, sessionOf(t, token))
	c.expectClose(4403, 2*time.Second)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the subscription closed after %s, want within 1 s", d)
	}

	r := s.post(t, `{ me { id } }`, nil, call{token: token})
	if r.Status != 401 || !strings.Contains(r.errorMessages(), "session has ended") {
		t.Fatalf("the ended session's token: want 401, got %d %s", r.Status, r.Raw)
	}
	// A new connection with that token is refused too.
	again := s.dialWS(t)
	again.send(map[string]any{"type": "connection_init", "payload": map[string]any{"authorization": "Bearer " + token}})
	again.expectClose(4403, 2*time.Second)

	// The other user's session goes on: its subscription still delivers.
	s.addTodo(t, other, "still here")
	if m := keep.expect("next", 3*time.Second); !strings.Contains(string(m.Payload), "still here") {
		t.Fatalf("other session's event: %s", m.Payload)
	}
	if r := s.post(t, `{ me { name } }`, nil, call{token: other}); r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("other session's token: %d %s", r.Status, r.Raw)
	}
}

package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/authn"
	"fedstack/platform/platformtest"
	"fedstack/platform/servicetrust"
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
	if err := rdb.Set(ctx, authn.RevokedSessionKeyPrefix+sid, "1", 20*time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(map[string]string{"sessionId": sid, "userId": "u"})
	if err := rdb.Publish(ctx, authn.SessionTerminatedChannel, payload).Err(); err != nil {
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

// TestLogoutEndsSessionsEverywhere: ending a session from one client closes another
// client's open subscription within 1 s, and that client's next request gets 401.
func TestLogoutEndsSessionsEverywhere(t *testing.T) {
	s := startStack(t, nil)
	email := "wes-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@example.com"
	creds := map[string]any{"email": email, "password": "long enough password"}
	r := s.post(t, `mutation($in: SignupInput!) { signup(input: $in) { accessToken } }`,
		map[string]any{"in": map[string]any{"email": email, "password": creds["password"], "name": "Wes"}}, call{})
	laptop := r.Data["signup"].(map[string]any)["accessToken"].(string)
	r = s.post(t, `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`, map[string]any{"in": creds}, call{})
	phone := r.Data["login"].(map[string]any)["accessToken"].(string)

	c := s.dialWS(t)
	c.init(phone)
	c.send(subscribeMsg("1", todoChangedQuery))
	time.Sleep(200 * time.Millisecond)

	start := time.Now()
	r = s.post(t, `mutation { logout(scope: OTHER_SESSIONS) { endedSessions } }`, nil, call{token: laptop})
	if r.Status != 200 || len(r.Errors) > 0 || r.Data["logout"].(map[string]any)["endedSessions"] != float64(1) {
		t.Fatalf("logout of the other sessions: %d %s", r.Status, r.Raw)
	}
	c.expectClose(4403, 2*time.Second)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the phone's subscription closed %s after the logout, want within 1 s", d)
	}
	if r := s.post(t, `{ me { id } }`, nil, call{token: phone}); r.Status != 401 {
		t.Fatalf("the ended session's token: want 401, got %d %s", r.Status, r.Raw)
	}
	if r := s.post(t, `{ me { name } }`, nil, call{token: laptop}); r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("the laptop's own session must go on: %d %s", r.Status, r.Raw)
	}
	// The subgraphs refuse it too, even when reached with the router's signature.
	for _, sg := range []string{s.todos.URL, s.auth.URL} {
		req, _ := http.NewRequest(http.MethodPost, sg+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+phone)
		servicetrust.Sign(req.Header, testSecret)
		if r := do(t, req); r.Status != 401 || !strings.Contains(r.errorMessages(), "session has ended") {
			t.Fatalf("%s (auth %s, todos %s) with the ended session's token: want 401, got %d %s", sg, s.auth.URL, s.todos.URL, r.Status, r.Raw)
		}
	}

	r = s.post(t, `mutation { logout { endedSessions } }`, nil, call{token: laptop})
	if r.Status != 200 || r.Data["logout"].(map[string]any)["endedSessions"] != float64(1) {
		t.Fatalf("logout of this session: %d %s", r.Status, r.Raw)
	}
	if r := s.post(t, `{ me { id } }`, nil, call{token: laptop}); r.Status != 401 {
		t.Fatalf("after logging out, the token: want 401, got %d %s", r.Status, r.Raw)
	}
}

// TestSessionsThroughTheRouter: sessions record the client the router saw, and a
// refresh token reused after the grace window ends its session everywhere, closing the
// session's subscriptions.
func TestSessionsThroughTheRouter(t *testing.T) {
	s := startStackWithEnv(t, map[string]string{"REFRESH_GRACE_PERIOD": "500ms"}, nil)
	const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	email := "ua-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "@example.com"
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($in: SignupInput!) { signup(input: $in) { accessToken refreshToken } }`,
		"variables": map[string]any{"in": map[string]any{"email": email, "password": "long enough password", "name": "Ua"}},
	})
	req, _ := http.NewRequest(http.MethodPost, s.router.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", firefox)
	req.Header.Set("X-Forwarded-For", "6.6.6.6") // from an untrusted peer: ignored
	r := do(t, req)
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("signup: %d %s", r.Status, r.Raw)
	}
	p := r.Data["signup"].(map[string]any)
	access, refresh0 := p["accessToken"].(string), p["refreshToken"].(string)

	r = s.post(t, `{ mySessions { device ip userAgent current } }`, nil, call{token: access})
	list, _ := r.Data["mySessions"].([]any)
	if len(list) != 1 {
		t.Fatalf("mySessions: %s", r.Raw)
	}
	sess := list[0].(map[string]any)
	if !strings.Contains(sess["device"].(string), "Firefox") || sess["ip"] != "127.0.0.1" || sess["userAgent"] != firefox || sess["current"] != true {
		t.Fatalf("the session recorded %v; want Firefox, 127.0.0.1 (the router's view of the client)", sess)
	}

	refresh := func(tok string) *gqlResponse {
		return s.post(t, `mutation($t: String!) { refresh(refreshToken: $t) { accessToken refreshToken } }`, map[string]any{"t": tok}, call{})
	}
	r = refresh(refresh0)
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("refresh: %d %s", r.Status, r.Raw)
	}
	access1 := r.Data["refresh"].(map[string]any)["accessToken"].(string)

	c := s.dialWS(t)
	c.init(access1)
	c.send(subscribeMsg("1", todoChangedQuery))
	time.Sleep(700 * time.Millisecond) // past the grace window

	start := time.Now()
	r = refresh(refresh0)
	if len(r.Errors) == 0 || r.Errors[0]["extensions"].(map[string]any)["code"] != "UNAUTHENTICATED" {
		t.Fatalf("reused refresh token: %d %s", r.Status, r.Raw)
	}
	c.expectClose(4403, 2*time.Second)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the subscription closed %s after the reuse, want within 1 s", d)
	}
	if r := s.post(t, `{ me { id } }`, nil, call{token: access1}); r.Status != 401 {
		t.Fatalf("the ended session's newest access token: want 401, got %d %s", r.Status, r.Raw)
	}
}

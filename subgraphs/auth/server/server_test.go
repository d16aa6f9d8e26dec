package server_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"fedstack/platform/authn"
	"fedstack/platform/platformtest"
	"fedstack/platform/servicetrust"
	"fedstack/subgraphs/auth"
	"fedstack/subgraphs/auth/server"
	"fedstack/subgraphs/auth/token"
)

const secret = "test-internal-secret"

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

type user struct {
	ID                string  `json:"id"`
	Email             string  `json:"email"`
	Name              string  `json:"name"`
	Role              string  `json:"role"`
	CreatedAt         string  `json:"createdAt"`
	PasswordChangedAt *string `json:"passwordChangedAt"`
}

type authPayload struct {
	AccessToken string `json:"accessToken"`
	ExpiresAt   string `json:"expiresAt"`
	User        user   `json:"user"`
}

type client struct {
	t   *testing.T
	url string
}

// do posts a GraphQL request signed like the router does, with an optional
// bearer token, and returns the status and decoded body.
func (c client) do(token, query string, vars map[string]any) (int, gqlResponse) {
	c.t.Helper()
	return c.doWith(nil, token, query, vars)
}

// data runs a request that must succeed and decodes data[field] into dst.
func (c client) data(token, query string, vars map[string]any, field string, dst any) {
	c.t.Helper()
	status, out := c.do(token, query, vars)
	if status != http.StatusOK || len(out.Errors) > 0 {
		c.t.Fatalf("status %d, errors %+v", status, out.Errors)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(out.Data, &m); err != nil {
		c.t.Fatal(err)
	}
	if err := json.Unmarshal(m[field], dst); err != nil {
		c.t.Fatalf("decoding %s: %v", m[field], err)
	}
}

// fail runs a request that must fail with code and returns the first error.
func (c client) fail(token, query string, vars map[string]any, code string) gqlError {
	c.t.Helper()
	_, out := c.do(token, query, vars)
	if len(out.Errors) == 0 {
		c.t.Fatalf("no error, data %s; want %s", out.Data, code)
	}
	if got := out.Errors[0].Extensions["code"]; got != code {
		c.t.Fatalf("error %+v, want code %s", out.Errors[0], code)
	}
	return out.Errors[0]
}

const userFields = `id email name role createdAt`

const signupMutation = `mutation($in: SignupInput!) { signup(input: $in) { accessToken expiresAt user { ` + userFields + ` } } }`
const loginMutation = `mutation($in: LoginInput!) { login(input: $in) { accessToken expiresAt user { ` + userFields + ` } } }`

func signupVars(email, password, name string) map[string]any {
	return map[string]any{"in": map[string]any{"email": email, "password": password, "name": name}}
}

func loginVars(email, password string) map[string]any {
	return map[string]any{"in": map[string]any{"email": email, "password": password}}
}

func TestServer(t *testing.T) {
	ctx := context.Background()
	dbURL := platformtest.PostgresURL(t)
	redisURL := platformtest.RedisURL(t)
	svc := platformtest.Start(t, server.Run, map[string]string{
		"DATABASE_URL":      dbURL,
		"REDIS_URL":         redisURL,
		"INTERNAL_SECRET":   secret,
		"RATE_LIMIT_PREFIX": "test:" + rand.Text(),
	})
	c := client{t: t, url: svc.URL}

	// Listen for the events before anything happens.
	ropts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(ropts)
	t.Cleanup(func() { _ = rdb.Close() })
	sub := rdb.Subscribe(ctx, auth.EventSessionCreated, auth.EventUserLogin)
	t.Cleanup(func() { _ = sub.Close() })
	for range 2 {
		if _, err := sub.Receive(ctx); err != nil { // subscription confirmations
			t.Fatal(err)
		}
	}
	events := sub.Channel()

	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	countUsers := func() int {
		t.Helper()
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM users`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Sign-up.
	var ada authPayload
	c.data("", signupMutation, signupVars("  Ada@Example.com ", "correct horse", " Ada Lovelace "), "signup", &ada)
	if ada.User.Email != "ada@example.com" || ada.User.Name != "Ada Lovelace" || ada.User.Role != "USER" ||
		ada.User.ID == "" || ada.AccessToken == "" {
		t.Fatalf("signup = %+v", ada)
	}
	if _, err := time.Parse(time.RFC3339, ada.User.CreatedAt); err != nil || !strings.HasSuffix(ada.User.CreatedAt, "Z") {
		t.Fatalf("createdAt %q is not RFC 3339 UTC", ada.User.CreatedAt)
	}
	exp, err := time.Parse(time.RFC3339, ada.ExpiresAt)
	if err != nil || exp.Before(time.Now().Add(14*time.Minute)) || exp.After(time.Now().Add(16*time.Minute)) {
		t.Fatalf("expiresAt = %q, want about 15 minutes from now", ada.ExpiresAt)
	}
	sessionCreated := expectEvent(t, events, auth.EventSessionCreated, ada.User.ID)
	expectEvent(t, events, auth.EventUserLogin, ada.User.ID)

	// The token verifies against the served JWKS, as the router and other subgraphs do it.
	resp, err := http.Get(svc.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=300") {
		t.Fatalf("JWKS: status %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	verifier := authn.NewVerifier(authn.VerifierOptions{
		JWKSURL:  svc.URL + "/.well-known/jwks.json",
		Issuer:   "fedstack-auth",
		Audience: "fedstack",
	})
	claims, err := verifier.Verify(ctx, ada.AccessToken)
	if err != nil {
		t.Fatalf("verifying the issued token with the JWKS: %v", err)
	}
	if claims.UserID() != ada.User.ID || claims.SessionID != sessionCreated.SessionID || claims.Role != "USER" ||
		claims.IssuedAt == nil || claims.NotBefore == nil || !claims.ExpiresAt.Time.Equal(exp) {
		t.Fatalf("claims = %+v", claims)
	}
	header := tokenHeader(t, ada.AccessToken)
	if header["alg"] != "EdDSA" || header["typ"] != "at+jwt" || header["kid"] == "" {
		t.Fatalf("token header = %v", header)
	}

	// Duplicate sign-up, in another case: CONFLICT, nothing stored.
	for _, email := range []string{"ada@example.com", "ADA@EXAMPLE.COM"} {
		e := c.fail("", signupMutation, signupVars(email, "another password", "Ada Two"), "CONFLICT")
		if e.Message != "an account with this email already exists" {
			t.Fatalf("duplicate message = %q", e.Message)
		}
	}
	// Short password: INVALID saying the rule, nothing stored.
	e := c.fail("", signupMutation, signupVars("short@example.com", "1234567", "Shorty"), "INVALID")
	if !strings.Contains(e.Message, "8 to 128 characters") {
		t.Fatalf("short password message = %q", e.Message)
	}
	c.fail("", signupMutation, signupVars("not an email", "long enough", "X"), "INVALID")
	if n := countUsers(); n != 1 {
		t.Fatalf("%d users stored, want 1 (failed sign-ups must store nothing)", n)
	}
	var sessions int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&sessions); err != nil || sessions != 1 {
		t.Fatalf("%d sessions stored (%v), want 1", sessions, err)
	}

	// Login.
	var login authPayload
	c.data("", loginMutation, loginVars(" ADA@example.com", "correct horse"), "login", &login)
	if login.User.ID != ada.User.ID || login.AccessToken == "" {
		t.Fatalf("login = %+v", login)
	}
	ev := expectEvent(t, events, auth.EventSessionCreated, ada.User.ID)
	if ev.SessionID == sessionCreated.SessionID {
		t.Fatal("login reused the sign-up session")
	}
	expectEvent(t, events, auth.EventUserLogin, ada.User.ID)
	var lastLogin *time.Time
	if err := db.QueryRow(ctx, `SELECT last_login_at FROM users WHERE id = $1`, ada.User.ID).Scan(&lastLogin); err != nil || lastLogin == nil {
		t.Fatalf("last_login_at = %v, %v", lastLogin, err)
	}

	wrong := c.fail("", loginMutation, loginVars("ada@example.com", "wrong horse"), "UNAUTHENTICATED")
	unknown := c.fail("", loginMutation, loginVars("nobody@example.com", "correct horse"), "UNAUTHENTICATED")
	if wrong.Message != "email or password is incorrect" || unknown.Message != wrong.Message {
		t.Fatalf("wrong password %q, unknown email %q: want the same message", wrong.Message, unknown.Message)
	}

	// me.
	var me *user
	c.data(login.AccessToken, `{ me { `+userFields+` } }`, nil, "me", &me)
	if me == nil || me.ID != ada.User.ID || me.Email != "ada@example.com" {
		t.Fatalf("me with token = %+v", me)
	}
	me = &user{}
	c.data("", `{ me { id } }`, nil, "me", &me)
	if me != nil {
		t.Fatalf("me without token = %+v, want null", me)
	}
	if status, _ := c.do("not-a-jwt", `{ me { id } }`, nil); status != http.StatusUnauthorized {
		t.Fatalf("me with a bad token: status %d, want 401", status)
	}

	// Federation: _service and batched _entities.
	var service struct{ SDL string }
	c.data("", `{ _service { sdl } }`, nil, "_service", &service)
	if !strings.Contains(service.SDL, `type User @key(fields: "id")`) || !strings.Contains(service.SDL, "@inaccessible") {
		t.Fatalf("_service.sdl = %s", service.SDL)
	}
	var bob, cy authPayload
	c.data("", signupMutation, signupVars("bob@example.com", "bob's password", "Bob"), "signup", &bob)
	c.data("", signupMutation, signupVars("cy@example.com", "cy's password", "Cy"), "signup", &cy)
	var entities []*user
	c.data("", `query($reps: [_Any!]!) { _entities(representations: $reps) { ... on User { `+userFields+` passwordChangedAt } } }`,
		map[string]any{"reps": []map[string]any{
			{"__typename": "User", "id": cy.User.ID},
			{"__typename": "User", "id": "00000000-0000-0000-0000-000000000000"},
			{"__typename": "User", "id": ada.User.ID},
			{"__typename": "User", "id": bob.User.ID},
		}}, "_entities", &entities)
	wantIDs := []string{cy.User.ID, "", ada.User.ID, bob.User.ID}
	if len(entities) != len(wantIDs) {
		t.Fatalf("_entities returned %d entries, want %d", len(entities), len(wantIDs))
	}
	for i, u := range entities {
		got := ""
		if u != nil {
			got = u.ID
			if u.PasswordChangedAt == nil {
				t.Fatalf("_entities[%d].passwordChangedAt is null", i)
			}
		}
		if got != wantIDs[i] {
			t.Fatalf("_entities[%d] = %+v, want id %q", i, u, wantIDs[i])
		}
	}
	if entities[0].Email != "cy@example.com" || entities[3].Name != "Bob" {
		t.Fatalf("_entities = %+v %+v", entities[0], entities[3])
	}

	// Only the router may call /graphql.
	for _, sig := range []string{"", servicetrust.Signature("wrong secret", time.Now()), servicetrust.Signature(secret, time.Now().Add(-10*time.Minute))} {
		req, _ := http.NewRequest(http.MethodPost, svc.URL+"/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
		req.Header.Set("Content-Type", "application/json")
		if sig != "" {
			req.Header.Set(servicetrust.Header, sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("/graphql with signature %q: status %d, want 403", sig, resp.StatusCode)
		}
	}

	// Open endpoints.
	for _, path := range []string{"/health", "/ready", "/metrics"} {
		resp, err := http.Get(svc.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		if path == "/ready" && (!strings.Contains(string(body), "postgres") || !strings.Contains(string(body), "redis")) {
			t.Fatalf("/ready does not check postgres and redis: %s", body)
		}
	}
}

// TestRestartKeepsTokensValid checks that the development signing key survives a
// restart: a token issued before is accepted after.
func TestRestartKeepsTokensValid(t *testing.T) {
	env := map[string]string{
		"DATABASE_URL":      platformtest.PostgresURL(t),
		"REDIS_URL":         platformtest.RedisURL(t),
		"INTERNAL_SECRET":   secret,
		"RATE_LIMIT_PREFIX": "test:" + rand.Text(),
	}
	first := platformtest.Start(t, server.Run, env)
	var p authPayload
	client{t: t, url: first.URL}.data("", signupMutation, signupVars("restart@example.com", "restart me", "R"), "signup", &p)
	first.Stop()

	second := platformtest.Start(t, server.Run, env)
	var me *user
	client{t: t, url: second.URL}.data(p.AccessToken, `{ me { id } }`, nil, "me", &me)
	if me == nil || me.ID != p.User.ID {
		t.Fatalf("me after restart = %+v", me)
	}
}

// TestConfiguredPrivateKey checks that JWT_PRIVATE_KEY is used when set (and no
// development key is stored).
func TestConfiguredPrivateKey(t *testing.T) {
	priv, err := token.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemText, err := token.EncodePrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	dbURL := platformtest.PostgresURL(t)
	svc := platformtest.Start(t, server.Run, map[string]string{
		"DATABASE_URL":      dbURL,
		"REDIS_URL":         platformtest.RedisURL(t),
		"INTERNAL_SECRET":   secret,
		"RATE_LIMIT_PREFIX": "test:" + rand.Text(),
		"JWT_PRIVATE_KEY":   pemText,
	})
	resp, err := http.Get(svc.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	keys, err := authn.ParseJWKS(body)
	if err != nil {
		t.Fatal(err)
	}
	kid := token.Thumbprint(priv.Public().(ed25519.PublicKey))
	if pub, ok := keys[kid]; len(keys) != 1 || !ok || !priv.Public().(ed25519.PublicKey).Equal(pub) {
		t.Fatalf("JWKS %s does not hold the configured key %s", body, kid)
	}
	db, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var n int
	if err := db.QueryRow(context.Background(), `SELECT count(*) FROM signing_keys`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d development keys stored (%v), want 0", n, err)
	}
}

func TestProductionRequiresSecrets(t *testing.T) {
	getenv := func(name string) string {
		if name == "APP_ENV" {
			return "production"
		}
		return ""
	}
	err := server.Run(context.Background(), []string{"auth"}, getenv, io.Discard)
	if err == nil {
		t.Fatal("Run in production without secrets succeeded")
	}
	for _, name := range []string{"INTERNAL_SECRET", "DATABASE_URL", "JWT_PRIVATE_KEY", "REFRESH_TOKEN_SECRET", "SMTP_URL"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not mention %s: %v", name, err)
		}
	}
}

// expectEvent waits for an event on channel about userID (events about other
// users, from tests sharing this Redis, are skipped).
func expectEvent(t *testing.T, events <-chan *redis.Message, channel, userID string) auth.SessionEvent {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case msg := <-events:
			var ev auth.SessionEvent
			if err := json.Unmarshal([]byte(msg.Payload), &ev); err != nil {
				t.Fatalf("event %s: %v", msg.Payload, err)
			}
			if msg.Channel != channel || ev.UserID != userID {
				continue
			}
			if ev.SessionID == "" || ev.At.IsZero() {
				t.Fatalf("event on %s = %s", msg.Channel, msg.Payload)
			}
			return ev
		case <-timeout:
			t.Fatalf("no %s event for user %s", channel, userID)
		}
	}
}

func tokenHeader(t *testing.T, token string) map[string]any {
	t.Helper()
	part, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"fedstack/platform/authn"
	platformpg "fedstack/platform/postgres"
	"fedstack/subgraphs/auth/postgres"
	"fedstack/subgraphs/auth/token"
)

// TestKeyRotationKeepsTokensValidUntilTheyExpire: after a signing key rotation,
// tokens signed with the previous key still verify (at the router and at both
// subgraphs) until they expire, the JWKS serves both keys, a token of the new
// key works (verifiers refetch the JWKS on its unknown kid), and the old key
// leaves the JWKS once every token it signed has expired.
//
// The rotation is made by a second Keyring on the auth database, as another auth
// instance would; the running auth service picks it up at its next reload. The
// old token is first used after its key retired, so no verifier can accept it
// from its cache of verified tokens: each must still hold the old key.
func TestKeyRotationKeepsTokensValidUntilTheyExpire(t *testing.T) {
	const ttl = 20 * time.Second
	s := startStackWithEnv(t, map[string]string{
		"JWT_ACCESS_TOKEN_TTL":      ttl.String(),
		"JWT_KEY_ROTATION_INTERVAL": "0", // this test rotates
		"JWT_KEY_RELOAD_INTERVAL":   "200ms",
	}, nil)
	jwksURL := s.auth.URL + "/.well-known/jwks.json"

	email := fmt.Sprintf("rotha-%d@example.com", time.Now().UnixNano())
	const password = "correct horse battery"
	r := s.post(t, `mutation($in: SignupInput!) { signup(input: $in) { accessToken user { id } } }`,
		map[string]any{"in": map[string]any{"email": email, "password": password, "name": "Rotha"}}, call{})
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("signup: %d %s", r.Status, r.Raw)
	}
	warmToken := r.Data["signup"].(map[string]any)["accessToken"].(string)
	userID := r.Data["signup"].(map[string]any)["user"].(map[string]any)["id"].(string)
	login := func() string {
		t.Helper()
		r := s.post(t, `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`,
			map[string]any{"in": map[string]any{"email": email, "password": password}}, call{})
		if r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("login: %d %s", r.Status, r.Raw)
		}
		return r.Data["login"].(map[string]any)["accessToken"].(string)
	}
	// works runs a query verified by the router, auth (me) and todos (todos); nil means
	// the token was accepted everywhere.
	works := func(tok string) *gqlResponse {
		r := s.post(t, `{ me { id } todos { nodes { id } } }`, nil, call{token: tok})
		if r.Status == 200 && len(r.Errors) == 0 && r.Data["me"].(map[string]any)["id"] == userID {
			return nil
		}
		return r
	}

	// The router and todos fetch the JWKS now, when it holds only the first key.
	oldKID, _ := tokenKID(t, warmToken)
	if kids := jwksKIDs(t, jwksURL); !slices.Equal(kids, []string{oldKID}) {
		t.Fatalf("JWKS before the rotation: %v, want [%s]", kids, oldKID)
	}
	if r := works(warmToken); r != nil {
		t.Fatalf("a token before the rotation: %d %s", r.Status, r.Raw)
	}
	oldToken := login() // used only after the rotation
	if kid, _ := tokenKID(t, oldToken); kid != oldKID {
		t.Fatalf("second token's kid %q, want %q", kid, oldKID)
	}
	_, oldExp := tokenKID(t, oldToken)

	// Rotate: the new key is published at once and signs one second later.
	ctx := ctxTimeout(t, 3*time.Minute)
	pool, err := platformpg.Open(ctx, s.authEnv["DATABASE_URL"], false)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.New(pool)
	other, err := token.NewKeyring(store, token.Options{
		Issuer: "fedstack-auth", Audience: "fedstack", TTL: ttl, PublishAhead: time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := store.SigningKeys(ctx)
	if err != nil || len(stored) != 2 || stored[0].KID != oldKID {
		t.Fatalf("stored keys after the rotation: %+v, %v", stored, err)
	}
	newKID, activatesAt := stored[1].KID, stored[1].ActivatesAt
	waitFor(t, "the new key in the JWKS", 5*time.Second, func() bool {
		return slices.Equal(jwksKIDs(t, jwksURL), []string{newKID, oldKID})
	})

	// Once the new key signs, a login gets a token of the new key. The router and
	// todos fetch the JWKS again for its unknown kid (waiting authn.RefetchInterval
	// since their last fetch), so they now hold the keys as published after the rotation.
	time.Sleep(time.Until(activatesAt))
	newToken := login()
	if kid, _ := tokenKID(t, newToken); kid != newKID {
		t.Fatalf("the login's token has kid %q, want the new key %q", kid, newKID)
	}
	waitFor(t, "the new key's token to be accepted", authn.RefetchInterval+5*time.Second, func() bool {
		return works(newToken) == nil
	})
	if kids := jwksKIDs(t, jwksURL); !slices.Equal(kids, []string{newKID, oldKID}) {
		t.Fatalf("JWKS after the new key took over: %v, want both keys", kids)
	}

	// The old key's token, never seen before by any verifier, still works.
	if time.Now().After(oldExp) {
		t.Fatalf("the test is too slow: the old key's token expired (%v) before it could be checked", oldExp)
	}
	if r := works(oldToken); r != nil {
		t.Fatalf("the old key's token after the rotation: %d %s", r.Status, r.Raw)
	}

	// It is refused once expired (past the verifiers' leeway on exp).
	waitFor(t, "the old key's token to be refused", time.Until(oldExp)+authn.DefaultLeeway+10*time.Second, func() bool {
		r := s.post(t, `{ me { id } }`, nil, call{token: oldToken})
		if r.Status == http.StatusOK {
			return false
		}
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("the expired token: want 401, got %d %s", r.Status, r.Raw)
		}
		return true
	})
	if time.Now().Before(oldExp) {
		t.Fatalf("the old key's token was refused before its exp %v", oldExp)
	}

	// Later the old key leaves the JWKS: TTL + RetentionLeeway after the new key took over.
	dropAt := activatesAt.Add(ttl + token.RetentionLeeway)
	waitFor(t, "the old key to leave the JWKS", time.Until(dropAt)+10*time.Second, func() bool {
		return slices.Equal(jwksKIDs(t, jwksURL), []string{newKID})
	})
	if time.Now().Before(dropAt) {
		t.Fatalf("the old key left the JWKS before %v", dropAt)
	}
	// The current key signs working tokens.
	fresh := login()
	if kid, _ := tokenKID(t, fresh); kid != newKID {
		t.Fatalf("a new token has kid %q, want %q", kid, newKID)
	}
	if r := works(fresh); r != nil {
		t.Fatalf("a token of the current key: %d %s", r.Status, r.Raw)
	}
}

// tokenKID returns a token's kid header and its exp (not verified).
func tokenKID(t *testing.T, tok string) (string, time.Time) {
	t.Helper()
	claims := jwt.MapClaims{}
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, claims)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		t.Fatalf("token without exp: %v", err)
	}
	kid, _ := parsed.Header["kid"].(string)
	return kid, exp.Time
}

// jwksKIDs returns the kids of a JWKS, in its order.
func jwksKIDs(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if _, err := authn.ParseJWKS(body); err != nil {
		t.Fatalf("JWKS %s: %v", body, err)
	}
	var doc authn.JWKS
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	kids := make([]string, 0, len(doc.Keys))
	for _, k := range doc.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}

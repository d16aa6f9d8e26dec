package authn

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"fedstack/platform/errs"
)

const (
	issuer   = "fedstack-auth"
	audience = "fedstack"
)

// jwksServer serves a JWKS that the test can change, counting fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	keys    []JWK
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T) *jwksServer {
	s := &jwksServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(JWKS{Keys: s.keys})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) add(t *testing.T, kid string, pub crypto.PublicKey) {
	t.Helper()
	j, err := PublicJWK(kid, pub)
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	s.keys = append(s.keys, j)
	s.mu.Unlock()
}

func claims(mod func(*Claims)) *Claims {
	now := time.Now()
	c := &Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Audience:  jwt.ClaimStrings{audience},
			Subject:   "user-1",
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(15 * time.Minute)),
		},
		SessionID: "sess-1",
		Role:      "user",
	}
	if mod != nil {
		mod(c)
	}
	return c
}

func sign(t *testing.T, method jwt.SigningMethod, kid string, key any, c *Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, c)
	tok.Header["kid"] = kid
	tok.Header["typ"] = "at+jwt"
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type fixture struct {
	jwks  *jwksServer
	v     *Verifier
	edPub ed25519.PublicKey
	edKey ed25519.PrivateKey
	ecKey *ecdsa.PrivateKey
}

func setup(t *testing.T) *fixture {
	edPub, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	s := newJWKSServer(t)
	s.add(t, "ed-1", edPub)
	s.add(t, "ec-1", &ecKey.PublicKey)
	v := NewVerifier(VerifierOptions{JWKSURL: s.URL, Issuer: issuer, Audience: audience})
	return &fixture{jwks: s, v: v, edPub: edPub, edKey: edKey, ecKey: ecKey}
}

func wantUnauthenticated(t *testing.T, v *Verifier, token, msg string) {
	t.Helper()
	c, err := v.Verify(context.Background(), token)
	if err == nil {
		t.Fatalf("token accepted (claims %+v), want %q", c, msg)
	}
	e, ok := err.(*errs.Error)
	if !ok || e.Code != errs.Unauthenticated {
		t.Fatalf("err = %#v, want *errs.Error UNAUTHENTICATED", err)
	}
	if !strings.Contains(e.Message, msg) {
		t.Errorf("message %q, want it to contain %q", e.Message, msg)
	}
}

func TestAcceptsEdDSAAndES256(t *testing.T) {
	f := setup(t)
	for name, tok := range map[string]string{
		"EdDSA": sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(nil)),
		"ES256": sign(t, jwt.SigningMethodES256, "ec-1", f.ecKey, claims(nil)),
	} {
		c, err := f.v.Verify(context.Background(), tok)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.UserID() != "user-1" || c.SessionID != "sess-1" || c.Role != "user" {
			t.Errorf("%s: claims %+v", name, c)
		}
	}
	if n := f.jwks.fetches.Load(); n != 1 {
		t.Errorf("JWKS fetched %d times, want 1 (cached)", n)
	}
}

func TestRejects(t *testing.T) {
	f := setup(t)
	now := time.Now()

	none := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil))
	none.Header["kid"] = "ed-1"
	noneTok, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}

	good := sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(nil))
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	altered := strings.Replace(string(payload), "user-1", "admin-1", 1)
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(altered))
	alteredTok := strings.Join(parts, ".")

	cases := []struct {
		name, token, msg string
	}{
		{"alg none", noneTok, "signing algorithm \"none\" is not accepted"},
		{"HS256 keyed with the public key", sign(t, jwt.SigningMethodHS256, "ed-1", []byte(f.edPub), claims(nil)), "signing algorithm \"HS256\" is not accepted"},
		{"expired", sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(func(c *Claims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(-20 * time.Minute))
			c.NotBefore = c.IssuedAt
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-time.Minute))
		})), "token expired"},
		{"not yet valid", sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(func(c *Claims) {
			c.NotBefore = jwt.NewNumericDate(now.Add(2 * time.Minute))
		})), "token not valid yet"},
		{"no exp", sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(func(c *Claims) { c.ExpiresAt = nil })), "no expiry"},
		{"wrong issuer", sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(func(c *Claims) { c.Issuer = "evil" })), "issuer"},
		{"wrong audience", sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(func(c *Claims) { c.Audience = jwt.ClaimStrings{"other"} })), "audience"},
		{"altered payload", alteredTok, "signature is invalid"},
		{"wrong key for kid", sign(t, jwt.SigningMethodES256, "ed-1", f.ecKey, claims(nil)), "does not match"},
		{"garbage", "not.a.jwt", "malformed token"},
		{"empty", "", "empty token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantUnauthenticated(t, f.v, c.token, c.msg) })
	}
}

func TestUnknownKidRefetchesAtMostEvery10s(t *testing.T) {
	f := setup(t)
	clock := time.Now()
	f.v.now = func() time.Time { return clock }

	if _, err := f.v.Verify(context.Background(), sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(nil))); err != nil {
		t.Fatal(err)
	}
	if n := f.jwks.fetches.Load(); n != 1 {
		t.Fatalf("fetches = %d", n)
	}

	// The auth service rotates to a new key.
	newPub, newKey, _ := ed25519.GenerateKey(rand.Reader)
	f.jwks.add(t, "ed-2", newPub)
	tok := sign(t, jwt.SigningMethodEdDSA, "ed-2", newKey, claims(nil))

	// Within 10 s of the last fetch: no refetch.
	clock = clock.Add(5 * time.Second)
	wantUnauthenticated(t, f.v, tok, "unknown signing key")
	if n := f.jwks.fetches.Load(); n != 1 {
		t.Fatalf("refetched within 10 s: fetches = %d", n)
	}

	// Later: the unknown kid triggers one refetch and the token is accepted.
	clock = clock.Add(6 * time.Second)
	if _, err := f.v.Verify(context.Background(), tok); err != nil {
		t.Fatalf("after refetch: %v", err)
	}
	if n := f.jwks.fetches.Load(); n != 2 {
		t.Fatalf("fetches = %d, want 2", n)
	}

	// A kid that really is unknown refetches again (after 10 s) but stays rejected.
	clock = clock.Add(11 * time.Second)
	wantUnauthenticated(t, f.v, sign(t, jwt.SigningMethodEdDSA, "nope", newKey, claims(nil)), "unknown signing key")
	if n := f.jwks.fetches.Load(); n != 3 {
		t.Fatalf("fetches = %d, want 3", n)
	}
}

func TestKeySourceDown(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	v := NewVerifier(VerifierOptions{JWKSURL: srv.URL})
	_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodEdDSA, "k", key, claims(nil)))
	if errs.CodeOf(err) != errs.Internal {
		t.Fatalf("err = %v, want INTERNAL (the token may be fine)", err)
	}
}

func TestLocalKeys(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	v := NewVerifier(VerifierOptions{
		Keys: func(context.Context) (map[string]crypto.PublicKey, error) {
			return map[string]crypto.PublicKey{"k1": pub}, nil
		},
		Issuer: issuer, Audience: audience,
	})
	if _, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodEdDSA, "k1", key, claims(nil))); err != nil {
		t.Fatal(err)
	}
	wantUnauthenticated(t, v, sign(t, jwt.SigningMethodEdDSA, "k2", key, claims(nil)), "unknown signing key")
}

func TestJWKSRoundTrip(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ed, err := PublicJWK("a", edPub)
	if err != nil || ed.Kty != "OKP" || ed.Crv != "Ed25519" || ed.Alg != "EdDSA" || ed.Use != "sig" || ed.Y != "" {
		t.Fatalf("%+v %v", ed, err)
	}
	ec, err := PublicJWK("b", &ecKey.PublicKey)
	if err != nil || ec.Kty != "EC" || ec.Crv != "P-256" || ec.Alg != "ES256" || ec.Y == "" {
		t.Fatalf("%+v %v", ec, err)
	}
	data, _ := json.Marshal(JWKS{Keys: []JWK{ed, ec, {Kty: "RSA", Kid: "r"}}})
	if strings.Contains(string(data), `"y":""`) {
		t.Error("empty y not omitted")
	}
	keys, err := ParseJWKS(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || !edPub.Equal(keys["a"]) || !ecKey.PublicKey.Equal(keys["b"]) {
		t.Errorf("keys = %v", keys)
	}
	if _, err := PublicJWK("c", &ecdsa.PublicKey{Curve: elliptic.P384()}); err == nil {
		t.Error("P-384 accepted")
	}
	if _, err := ParseJWKS([]byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"x","x":"short"}]}`)); err == nil {
		t.Error("bad Ed25519 key accepted")
	}
}

func TestMiddleware(t *testing.T) {
	f := setup(t)
	var got *Claims
	h := Middleware(f.v)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = FromContext(r.Context())
		w.WriteHeader(204)
	}))

	// Anonymous.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/graphql", nil))
	if rec.Code != 204 || got != nil {
		t.Fatalf("anonymous: %d %v", rec.Code, got)
	}
	if _, err := Require(context.Background()); errs.CodeOf(err) != errs.Unauthenticated || !strings.Contains(err.Error(), "sign in first") {
		t.Errorf("Require without claims: %v", err)
	}

	// Valid.
	req := httptest.NewRequest("POST", "/graphql", nil)
	req.Header.Set("Authorization", "Bearer "+sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(nil)))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 204 || got == nil || got.UserID() != "user-1" {
		t.Fatalf("valid: %d %v", rec.Code, got)
	}

	// Invalid token and malformed header.
	for _, header := range []string{
		"Bearer " + sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(func(c *Claims) { c.Issuer = "x" })),
		"Basic dXNlcjpwYXNz",
		"Bearer",
	} {
		req := httptest.NewRequest("POST", "/graphql", nil)
		req.Header.Set("Authorization", header)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 401 || rec.Header().Get("Content-Type") != "application/json" ||
			rec.Header().Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
			t.Errorf("%q: %d %v", header, rec.Code, rec.Header())
		}
		var body struct {
			Errors []struct {
				Message    string
				Extensions struct{ Code string }
			}
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 ||
			body.Errors[0].Extensions.Code != "UNAUTHENTICATED" || body.Errors[0].Message == "" {
			t.Errorf("%q: body %s", header, rec.Body)
		}
	}
}

func TestVerifiedTokensAreRememberedOnlyUntilTheyExpire(t *testing.T) {
	f := setup(t)
	clock := time.Now()
	f.v.now = func() time.Time { return clock }
	tok := sign(t, jwt.SigningMethodEdDSA, "ed-1", f.edKey, claims(func(c *Claims) {
		c.ExpiresAt = jwt.NewNumericDate(clock.Add(time.Minute))
	}))
	first, err := f.v.Verify(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	// A cached answer is a copy: changing it does not change what the next caller gets.
	first.Role = "ADMIN"
	again, err := f.v.Verify(context.Background(), tok)
	if err != nil || again.Role == "ADMIN" || again.Subject != first.Subject {
		t.Fatalf("second verify: %v %+v", err, again)
	}
	if _, ok := f.v.verified.Get(tok); !ok {
		t.Fatal("a verified token is not remembered")
	}
	// Past exp plus the leeway the cache no longer vouches for it, and the full check fails.
	clock = clock.Add(time.Minute + DefaultLeeway + time.Second)
	if _, err := f.v.Verify(context.Background(), tok); err == nil {
		t.Fatal("an expired token was accepted from the cache")
	}
}

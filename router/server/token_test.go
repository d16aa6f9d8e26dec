package server_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"fedstack/platform/servicetrust"
	"fedstack/subgraphs/auth/token"
)

// TestBadTokensAreRefusedAtTheRouterAndAtASubgraph forges tokens with the auth service's
// own signing key (and others) and checks the router answers 401 and a subgraph, reached
// directly with the router's signature, refuses them too.
func TestBadTokensAreRefusedAtTheRouterAndAtASubgraph(t *testing.T) {
	priv, err := token.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemKey, err := token.EncodePrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	s := startStackWithEnv(t, map[string]string{"JWT_PRIVATE_KEY": pemKey}, nil)
	good, userID := s.signup(t, "Tess")
	pub := priv.Public().(ed25519.PublicKey)
	kid := token.Thumbprint(pub)

	now := time.Now()
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{
			"iss": "fedstack-auth", "aud": "fedstack", "sub": userID, "sid": "s1", "role": "USER",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		}
		if mod != nil {
			mod(c)
		}
		return c
	}
	sign := func(method jwt.SigningMethod, key any, kid string, c jwt.MapClaims) string {
		tk := jwt.NewWithClaims(method, c)
		tk.Header["kid"] = kid
		tk.Header["typ"] = "at+jwt"
		out, err := tk.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	withPayload := func(tok string, payload string) string {
		parts := strings.Split(tok, ".")
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(payload))
		return strings.Join(parts, ".")
	}

	// The forged-but-valid control: signed with the real key, all claims right.
	control := sign(jwt.SigningMethodEdDSA, priv, kid, claims(nil))
	for _, tok := range []string{good, control} {
		if r := s.post(t, `{ me { id } }`, nil, call{token: tok}); r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("a valid token was refused: %d %s", r.Status, r.Raw)
		}
	}

	unsignedNone := func() string {
		tok := jwt.NewWithClaims(jwt.SigningMethodNone, claims(nil))
		tok.Header["kid"] = kid
		out, _ := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
		return out
	}()
	cases := []struct{ name, token string }{
		{"alg none", unsignedNone},
		{"HS256 keyed with the public key", sign(jwt.SigningMethodHS256, []byte(pub), kid, claims(nil))},
		{"expired", sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) {
			c["iat"] = now.Add(-time.Hour).Unix()
			c["nbf"] = now.Add(-time.Hour).Unix()
			c["exp"] = now.Add(-10 * time.Minute).Unix()
		}))},
		{"not yet valid", sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Minute).Unix() }))},
		{"wrong iss", sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) { c["iss"] = "someone-else" }))},
		{"wrong aud", sign(jwt.SigningMethodEdDSA, priv, kid, claims(func(c jwt.MapClaims) { c["aud"] = "another-api" }))},
		{"unknown kid", sign(jwt.SigningMethodEdDSA, otherKey, "not-a-known-kid", claims(nil))},
		{"known kid, other key", sign(jwt.SigningMethodEdDSA, otherKey, kid, claims(nil))},
		{"altered payload", withPayload(control, `{"iss":"fedstack-auth","aud":"fedstack","sub":"someone-else","sid":"s1","role":"ADMIN","exp":`+strconv.FormatInt(now.Add(time.Hour).Unix(), 10)+`}`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.post(t, `{ me { id } }`, nil, call{token: c.token})
			if r.Status != 401 || len(r.Errors) == 0 || r.Errors[0]["extensions"].(map[string]any)["code"] != "UNAUTHENTICATED" {
				t.Fatalf("router: want 401 UNAUTHENTICATED, got %d %s", r.Status, r.Raw)
			}
			// Straight to the todos subgraph with the router's signature: refused as well.
			req, _ := http.NewRequest(http.MethodPost, s.todos.URL+"/graphql", strings.NewReader(`{"query":"{ todos { nodes { id } } }"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+c.token)
			servicetrust.Sign(req.Header, testSecret)
			r = do(t, req)
			if r.Status != 401 {
				t.Fatalf("todos subgraph: want 401, got %d %s", r.Status, r.Raw)
			}
		})
	}
}

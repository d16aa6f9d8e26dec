package token_test

import (
	"context"
	"crypto"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
	"fedstack/subgraphs/auth"
	"fedstack/subgraphs/auth/token"
)

func TestStaticKeyringSignsVerifiableTokens(t *testing.T) {
	ctx := context.Background()
	priv, err := token.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s, err := token.NewStaticKeyring(priv, token.Options{Issuer: "iss", Audience: "aud"})
	if err != nil {
		t.Fatal(err)
	}
	kidBefore := s.KID()
	before := time.Now().Truncate(time.Second)
	tok, exp, err := s.IssueAccessToken("user-1", "session-1", auth.RolePro)
	if err != nil {
		t.Fatal(err)
	}
	if d := exp.Sub(before); d < 15*time.Minute || d > 15*time.Minute+2*time.Second {
		t.Fatalf("expiresAt = %v, %v after issue; want 15 minutes", exp, d)
	}

	// The served JWKS.
	rec := httptest.NewRecorder()
	s.JWKSHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=300") {
		t.Fatalf("Cache-Control = %q", cc)
	}
	var doc struct{ Keys []authn.JWK }
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || len(doc.Keys) != 1 {
		t.Fatalf("JWKS %s: %v", rec.Body, err)
	}
	if k := doc.Keys[0]; k.Kid != s.KID() || k.Kty != "OKP" || k.Crv != "Ed25519" || k.Alg != "EdDSA" {
		t.Fatalf("JWK = %+v", k)
	}
	keys, err := authn.ParseJWKS(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	fromJWKS := func(context.Context) (map[string]crypto.PublicKey, error) { return keys, nil }

	for name, source := range map[string]func(context.Context) (map[string]crypto.PublicKey, error){
		"served JWKS": fromJWKS, "Keyring.Keys": s.Keys,
	} {
		v := authn.NewVerifier(authn.VerifierOptions{Keys: source, Issuer: "iss", Audience: "aud"})
		claims, err := v.Verify(ctx, tok)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if claims.UserID() != "user-1" || claims.SessionID != "session-1" || claims.Role != "PRO" ||
			claims.IssuedAt == nil || claims.IssuedAt.Before(before) || !claims.NotBefore.Equal(claims.IssuedAt.Time) ||
			!claims.ExpiresAt.Equal(exp) {
			t.Fatalf("%s: claims = %+v", name, claims)
		}
	}

	// Another audience or issuer is refused.
	for _, o := range []authn.VerifierOptions{
		{Keys: fromJWKS, Issuer: "iss", Audience: "other"},
		{Keys: fromJWKS, Issuer: "other", Audience: "aud"},
	} {
		if _, err := authn.NewVerifier(o).Verify(ctx, tok); errs.CodeOf(err) != errs.Unauthenticated {
			t.Fatalf("%+v: err = %v, want UNAUTHENTICATED", o, err)
		}
	}

	// An old token is expired.
	past, err := token.NewStaticKeyring(priv, token.Options{Issuer: "iss", Audience: "aud",
		Now: func() time.Time { return time.Now().Add(-time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	old, _, err := past.IssueAccessToken("user-1", "session-1", auth.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	_, err = authn.NewVerifier(authn.VerifierOptions{Keys: fromJWKS, Issuer: "iss", Audience: "aud"}).Verify(ctx, old)
	if errs.CodeOf(err) != errs.Unauthenticated || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("old token: err = %v", err)
	}

	// A static key does not rotate.
	if err := s.Refresh(ctx); err != nil || s.KID() != kidBefore {
		t.Fatalf("Refresh: %v, kid %q", err, s.KID())
	}
	if err := s.Rotate(ctx); errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "JWT_KEY_ENCRYPTION_KEY") {
		t.Fatalf("Rotate of a static key: %v", err)
	}

	// The kid depends only on the key: another keyring with the same key agrees.
	again, err := token.NewStaticKeyring(priv, token.Options{Issuer: "x", Audience: "y"})
	if err != nil || again.KID() != s.KID() {
		t.Fatalf("kid %q vs %q (%v)", again.KID(), s.KID(), err)
	}
}

func TestParsePrivateKeyPEM(t *testing.T) {
	priv, err := token.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemText, err := token.EncodePrivateKeyPEM(priv)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{pemText, strings.ReplaceAll(pemText, "\n", `\n`)} {
		got, err := token.ParsePrivateKeyPEM(in)
		if err != nil {
			t.Fatalf("ParsePrivateKeyPEM: %v", err)
		}
		if !got.Equal(priv) {
			t.Fatal("round trip changed the key")
		}
	}
	if _, err := token.ParsePrivateKeyPEM("garbage"); err == nil || !strings.Contains(err.Error(), "JWT_PRIVATE_KEY") {
		t.Fatalf("garbage: err = %v", err)
	}
}

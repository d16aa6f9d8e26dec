// Package token signs the auth subgraph's access tokens (Ed25519 JWTs) and
// publishes the verification key as a JWKS.
package token

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"fedstack/platform/authn"
	"fedstack/subgraphs/auth"
)

// DefaultTTL is how long an access token is accepted.
const DefaultTTL = 15 * time.Minute

// Algorithm is the JWS algorithm of the tokens and of stored keys.
const Algorithm = "EdDSA"

// Options configure a Signer.
type Options struct {
	Issuer   string
	Audience string
	TTL      time.Duration    // default DefaultTTL
	Now      func() time.Time // default time.Now
}

// Signer issues access tokens with one Ed25519 key and serves its public half.
type Signer struct {
	kid  string
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
	opts Options
	jwks []byte
}

var _ auth.TokenIssuer = (*Signer)(nil)

// NewSigner returns a Signer for priv. The key id is the RFC 7638 thumbprint of
// the public key, so every instance using the same key announces the same kid.
func NewSigner(priv ed25519.PrivateKey, opts Options) (*Signer, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("token: not an Ed25519 private key")
	}
	if opts.Issuer == "" || opts.Audience == "" {
		return nil, errors.New("token: issuer and audience are required")
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	pub := priv.Public().(ed25519.PublicKey)
	s := &Signer{kid: Thumbprint(pub), priv: priv, pub: pub, opts: opts}
	jwk, err := authn.PublicJWK(s.kid, pub)
	if err != nil {
		return nil, fmt.Errorf("token: building JWK: %w", err)
	}
	if s.jwks, err = json.Marshal(struct {
		Keys []authn.JWK `json:"keys"`
	}{Keys: []authn.JWK{jwk}}); err != nil {
		return nil, fmt.Errorf("token: encoding JWKS: %w", err)
	}
	return s, nil
}

// KID is the key id written in the tokens' header.
func (s *Signer) KID() string { return s.kid }

// IssueAccessToken implements auth.TokenIssuer: header alg EdDSA, typ at+jwt,
// kid; claims iss aud sub sid role iat nbf exp.
func (s *Signer) IssueAccessToken(userID, sessionID string, role auth.Role) (string, time.Time, error) {
	now := s.opts.Now().UTC().Truncate(time.Second)
	exp := now.Add(s.opts.TTL)
	claims := &authn.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.opts.Issuer,
			Audience:  jwt.ClaimStrings{s.opts.Audience},
			Subject:   userID,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		SessionID: sessionID,
		Role:      string(role),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = s.kid
	t.Header["typ"] = "at+jwt"
	signed, err := t.SignedString(s.priv)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: signing: %w", err)
	}
	return signed, exp, nil
}

// Keys is a key source for authn.VerifierOptions.Keys, so the auth service
// verifies its own tokens without fetching its own JWKS.
func (s *Signer) Keys(context.Context) (map[string]crypto.PublicKey, error) {
	return map[string]crypto.PublicKey{s.kid: s.pub}, nil
}

// JWKSHandler serves GET /.well-known/jwks.json.
func (s *Signer) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(s.jwks)
	})
}

// Thumbprint returns the RFC 7638 JWK thumbprint (SHA-256, base64url) of pub.
func Thumbprint(pub ed25519.PublicKey) string {
	x := base64.RawURLEncoding.EncodeToString(pub)
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// GenerateKey returns a new Ed25519 private key.
func GenerateKey() (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	return priv, err
}

// MarshalPKCS8 encodes priv as PKCS#8 DER.
func MarshalPKCS8(priv ed25519.PrivateKey) ([]byte, error) {
	return x509.MarshalPKCS8PrivateKey(priv)
}

// ParsePKCS8 decodes a PKCS#8 DER Ed25519 private key.
func ParsePKCS8(der []byte) (ed25519.PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("token: parsing PKCS#8 key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("token: the key is %T, want an Ed25519 key", k)
	}
	return priv, nil
}

// ParsePrivateKeyPEM decodes JWT_PRIVATE_KEY: a PEM "PRIVATE KEY" block holding
// a PKCS#8 Ed25519 key. Literal "\n" sequences are accepted in place of
// newlines, for environments that cannot hold multi-line values.
func ParsePrivateKeyPEM(data string) (ed25519.PrivateKey, error) {
	data = strings.ReplaceAll(strings.TrimSpace(data), `\n`, "\n")
	block, _ := pem.Decode([]byte(data))
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, errors.New(`token: JWT_PRIVATE_KEY is not a PEM "PRIVATE KEY" block (PKCS#8 Ed25519; make one with: openssl genpkey -algorithm ed25519)`)
	}
	return ParsePKCS8(block.Bytes)
}

// EncodePrivateKeyPEM is the inverse of ParsePrivateKeyPEM.
func EncodePrivateKeyPEM(priv ed25519.PrivateKey) (string, error) {
	der, err := MarshalPKCS8(priv)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

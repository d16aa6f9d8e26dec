// Package token signs the auth subgraph's access tokens (Ed25519 JWTs) and
// publishes their verification keys as a JWKS.
//
// A Keyring holds the keys. With one static key (JWT_PRIVATE_KEY,
// NewStaticKeyring) nothing rotates. With keys kept in a KeyStore (NewKeyring)
// a new key is added on a schedule: it is published first (PublishAhead), then
// signs, and the key it replaces stays published until every token it signed
// has expired (TTL + RetentionLeeway after its retirement).
package token

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

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

package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Refresh tokens are 256-bit values written as 43 characters of unpadded base64url.
// Only their SHA-256 hash is stored. The first token of a session is random; each
// next one is derived from its parent with HMAC-SHA256 under a server secret, so a
// parent replayed within the grace window yields the very same child without the
// child ever being stored, while a stolen old token is useless without the secret.
const refreshTokenLen = 43

// RefreshTokens makes and hashes refresh tokens.
type RefreshTokens struct {
	secret []byte
}

// NewRefreshTokens returns a RefreshTokens deriving children with secret.
func NewRefreshTokens(secret string) *RefreshTokens {
	return &RefreshTokens{secret: []byte(secret)}
}

// New returns a random token.
func (RefreshTokens) New() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Child returns the token that follows parent.
func (r *RefreshTokens) Child(parent string) string {
	m := hmac.New(sha256.New, r.secret)
	m.Write([]byte("fedstack refresh token v1\x00"))
	m.Write([]byte(parent))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// WellFormed reports whether t can be a refresh token at all.
func (RefreshTokens) WellFormed(t string) bool {
	if len(t) != refreshTokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil
}

// HashToken returns the SHA-256 of a token (refresh or mailed), the form stored.
func HashToken(t string) []byte {
	sum := sha256.Sum256([]byte(t))
	return sum[:]
}

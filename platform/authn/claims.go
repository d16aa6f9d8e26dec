// Package authn verifies access JWTs (EdDSA or ES256, keys from a JWKS URL or a local source),
// carries the verified claims in request contexts, and holds the JWKS helpers shared with the
// auth service.
package authn

import (
	"context"

	"github.com/golang-jwt/jwt/v5"

	"fedstack/platform/errs"
)

// Claims are the claims of an access token.
type Claims struct {
	jwt.RegisteredClaims
	SessionID string `json:"sid"`
	Role      string `json:"role"`
}

// UserID returns the subject: the user id.
func (c *Claims) UserID() string { return c.Subject }

type claimsKey struct{}

// WithClaims returns ctx carrying verified claims.
func WithClaims(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// FromContext returns the verified claims in ctx, if any.
func FromContext(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}

// Require returns the verified claims in ctx, or an UNAUTHENTICATED error
// "sign in first: this field needs an access token".
func Require(ctx context.Context) (*Claims, error) {
	if c, ok := FromContext(ctx); ok {
		return c, nil
	}
	return nil, errs.E(errs.Unauthenticated, "sign in first: this field needs an access token")
}

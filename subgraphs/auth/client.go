package auth

import (
	"context"
	"strings"
	"unicode/utf8"
)

// Client is where a request comes from: the caller's IP address (as resolved by
// the edge and the router) and User-Agent. Sessions and audit events record it.
type Client struct {
	IP        string
	UserAgent string
}

// maxUserAgentBytes bounds the stored User-Agent.
const maxUserAgentBytes = 512

type clientKey struct{}

// WithClient returns ctx carrying c (its User-Agent cut to 512 bytes of valid UTF-8).
func WithClient(ctx context.Context, c Client) context.Context {
	if len(c.UserAgent) > maxUserAgentBytes {
		ua := c.UserAgent[:maxUserAgentBytes]
		for !utf8.ValidString(ua) {
			ua = ua[:len(ua)-1]
		}
		c.UserAgent = ua
	}
	c.UserAgent = strings.ToValidUTF8(c.UserAgent, "")
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the Client stored by WithClient (zero when none).
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}

// Package gqlclient is the GraphQL client the benchmark programs drive the router with, as
// the web app talks to it: operations POSTed over keep-alive HTTP connections (Client),
// and graphql-transport-ws websockets (WSDialer, ReadMessage, WriteMessage) on which each
// program runs its own subscriptions. Every answer is checked: a transport failure, a
// status other than 200, a body that is not JSON or any GraphQL error is an error.
package gqlclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// SignupOp is the web app's signup mutation (asking for the access token and the user id).
const SignupOp = `mutation($in: SignupInput!) { signup(input: $in) { accessToken user { id } } }`

// Client sends GraphQL operations to one endpoint over keep-alive connections.
type Client struct {
	URL  string
	http *http.Client
}

// New returns a client of url with a timeout per request that keeps up to conns idle
// connections.
func New(url string, timeout time.Duration, conns int) *Client {
	return &Client{URL: url, http: &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:               nil, // loopback only; never through a proxy from the environment
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}}
}

// Do POSTs one operation (with bearer as the Authorization, unless empty) and decodes
// data into out (unless nil). sent, when not nil, is called right before the request goes
// out. A transport failure, a status other than 200, a body that is not JSON, or any
// GraphQL error is an error.
func (c *Client) Do(ctx context.Context, query string, vars any, bearer string, out any, sent func()) error {
	body, err := json.Marshal(struct {
		Query     string `json:"query"`
		Variables any    `json:"variables,omitempty"`
	}{query, vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if sent != nil {
		sent()
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, Snippet(raw, 300))
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors Errors          `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("the answer is not JSON (%v): %s", err, Snippet(raw, 300))
	}
	if err := r.Errors.Err(); err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("unexpected data (%v): %s", err, Snippet(r.Data, 300))
		}
	}
	return nil
}

// Error is an entry of a GraphQL answer's errors.
type Error struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// Errors are a GraphQL answer's errors.
type Errors []Error

// Err tells of the first of the errors and how many there are; nil for none.
func (e Errors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return fmt.Errorf("GraphQL error %s: %s (%d errors)", e[0].Extensions.Code, e[0].Message, len(e))
}

// Snippet is the first n bytes of b, as valid UTF-8, to quote in an error.
func Snippet(b []byte, n int) string {
	return strings.ToValidUTF8(string(b[:min(len(b), n)]), "?")
}

// Signup creates an account with SignupOp and returns its access token.
func (c *Client) Signup(ctx context.Context, email, password, name string) (string, error) {
	var out struct {
		Signup struct {
			AccessToken string `json:"accessToken"`
			User        struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"signup"`
	}
	in := map[string]any{"in": map[string]string{"email": email, "password": password, "name": name}}
	if err := c.Do(ctx, SignupOp, in, "", &out, nil); err != nil {
		return "", fmt.Errorf("signup of %s: %w", email, err)
	}
	if out.Signup.AccessToken == "" || out.Signup.User.ID == "" {
		return "", fmt.Errorf("signup of %s: the answer has no access token or no user id", email)
	}
	return out.Signup.AccessToken, nil
}

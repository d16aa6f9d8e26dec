package main

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

// The operations of the benchmark, as the web app sends them through the router.
const (
	signupOp      = `mutation($in: SignupInput!) { signup(input: $in) { accessToken user { id } } }`
	sendMessageOp = `mutation($in: SendMessageInput!){ sendMessage(input: $in){ message { id } } }`
	streamOp      = `subscription($id: ID!){ messageStream(messageId: $id, offset: 0){ offset text done state message { tokensIn tokensOut cost } } }`
)

// client sends GraphQL operations to the router over keep-alive connections.
type client struct {
	url  string
	http *http.Client
}

func newClient(url string, timeout time.Duration, conns int) *client {
	return &client{url: url, http: &http.Client{
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

// do POSTs one operation and decodes data into out. sent, when not nil, is called right
// before the request goes out. A transport failure, a status other than 200, a body that is
// not JSON, or any GraphQL error is an error.
func (c *client) do(ctx context.Context, query string, vars any, bearer string, out any, sent func()) error {
	body, err := json.Marshal(struct {
		Query     string `json:"query"`
		Variables any    `json:"variables,omitempty"`
	}{query, vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
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
		return fmt.Errorf("status %d: %s", resp.StatusCode, snippet(raw, 300))
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []gqlError      `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("the answer is not JSON (%v): %s", err, snippet(raw, 300))
	}
	if len(r.Errors) > 0 {
		return r.Errors[0].err(len(r.Errors))
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("unexpected data (%v): %s", err, snippet(r.Data, 300))
		}
	}
	return nil
}

// gqlError is an entry of a GraphQL answer's errors.
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

func (e gqlError) err(n int) error {
	return fmt.Errorf("GraphQL error %s: %s (%d errors)", e.Extensions.Code, e.Message, n)
}

func snippet(b []byte, n int) string {
	return strings.ToValidUTF8(string(b[:min(len(b), n)]), "?")
}

// signup creates an account and returns its access token.
func (c *client) signup(ctx context.Context, email, password, name string) (string, error) {
	var out struct {
		Signup struct {
			AccessToken string `json:"accessToken"`
			User        struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"signup"`
	}
	in := map[string]any{"in": map[string]string{"email": email, "password": password, "name": name}}
	if err := c.do(ctx, signupOp, in, "", &out, nil); err != nil {
		return "", fmt.Errorf("signup of %s: %w", email, err)
	}
	if out.Signup.AccessToken == "" || out.Signup.User.ID == "" {
		return "", fmt.Errorf("signup of %s: the answer has no access token or no user id", email)
	}
	return out.Signup.AccessToken, nil
}

// sendMessage starts a new conversation with content as the bearer of token and returns
// the id of the answer being generated; sent is called right before the request goes out.
func (c *client) sendMessage(ctx context.Context, token, content string, sent func()) (string, error) {
	var out struct {
		SendMessage struct {
			Message struct {
				ID string `json:"id"`
			} `json:"message"`
		} `json:"sendMessage"`
	}
	in := map[string]any{"in": map[string]string{"content": content}}
	if err := c.do(ctx, sendMessageOp, in, token, &out, sent); err != nil {
		return "", fmt.Errorf("sendMessage: %w", err)
	}
	if out.SendMessage.Message.ID == "" {
		return "", fmt.Errorf("sendMessage answered no message id")
	}
	return out.SendMessage.Message.ID, nil
}

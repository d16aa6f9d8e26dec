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
	signupOp  = `mutation($in: SignupInput!) { signup(input: $in) { accessToken user { id } } }`
	loginOp   = `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`
	addTodoOp = `mutation($in: AddTodoInput!) { addTodo(input: $in) { id title } }`
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
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("the answer is not JSON (%v): %s", err, snippet(raw, 300))
	}
	if len(r.Errors) > 0 {
		e := r.Errors[0]
		return fmt.Errorf("GraphQL error %s: %s (%d errors)", e.Extensions.Code, e.Message, len(r.Errors))
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			return fmt.Errorf("unexpected data (%v): %s", err, snippet(r.Data, 300))
		}
	}
	return nil
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

// login opens another session of an account and returns its access token: each session's
// tokens differ from every other's (a token is the same string for one session within a
// second: an Ed25519 signature is deterministic).
func (c *client) login(ctx context.Context, email, password string) (string, error) {
	var out struct {
		Login struct {
			AccessToken string `json:"accessToken"`
		} `json:"login"`
	}
	in := map[string]any{"in": map[string]string{"email": email, "password": password}}
	if err := c.do(ctx, loginOp, in, "", &out, nil); err != nil {
		return "", fmt.Errorf("login of %s: %w", email, err)
	}
	if out.Login.AccessToken == "" {
		return "", fmt.Errorf("login of %s: the answer has no access token", email)
	}
	return out.Login.AccessToken, nil
}

// addTodo creates a todo with title as the bearer of token and returns its id; sent is
// called right before the request goes out.
func (c *client) addTodo(ctx context.Context, token, title string, sent func()) (string, error) {
	var out struct {
		AddTodo struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"addTodo"`
	}
	in := map[string]any{"in": map[string]string{"title": title}}
	if err := c.do(ctx, addTodoOp, in, token, &out, sent); err != nil {
		return "", fmt.Errorf("addTodo: %w", err)
	}
	if out.AddTodo.ID == "" || out.AddTodo.Title != title {
		return "", fmt.Errorf("addTodo answered id %q title %q, want a new id and title %q", out.AddTodo.ID, out.AddTodo.Title, title)
	}
	return out.AddTodo.ID, nil
}

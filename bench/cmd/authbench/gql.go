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

// The operations of the benchmark, exactly as a browser client sends them
// through the router.
const (
	signupOp  = `mutation($in: SignupInput!) { signup(input: $in) { accessToken refreshToken user { id } } }`
	loginOp   = `mutation($in: LoginInput!) { login(input: $in) { accessToken refreshToken } }`
	refreshOp = `mutation($t: String!) { refresh(refreshToken: $t) { accessToken refreshToken } }`
	meOp      = `{ me { id email } }`
)

// client sends GraphQL operations to one endpoint over keep-alive connections.
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

// gqlError is one entry of a GraphQL response's errors.
type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

// do POSTs one operation and decodes data into out. A transport failure, a
// status other than 200, a body that is not JSON, or any GraphQL error is an
// error.
func (c *client) do(ctx context.Context, query string, vars any, bearer string, out any) error {
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

// account is a user the benchmark signed up.
type account struct {
	email    string
	password string
}

// session is one signed-in session: its current tokens. A session is used by
// one request at a time, because each refresh token works once.
type session struct {
	email   string
	access  string
	refresh string
}

type tokens struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
}

func (t tokens) check() error {
	if t.AccessToken == "" || t.RefreshToken == "" {
		return fmt.Errorf("the answer lacks a token (access %d bytes, refresh %d bytes)", len(t.AccessToken), len(t.RefreshToken))
	}
	return nil
}

func (c *client) signup(ctx context.Context, a account, name string) (*session, error) {
	var out struct {
		Signup struct {
			tokens
			User struct {
				ID string `json:"id"`
			} `json:"user"`
		} `json:"signup"`
	}
	in := map[string]any{"in": map[string]string{"email": a.email, "password": a.password, "name": name}}
	if err := c.do(ctx, signupOp, in, "", &out); err != nil {
		return nil, fmt.Errorf("signup of %s: %w", a.email, err)
	}
	if err := out.Signup.check(); err != nil {
		return nil, fmt.Errorf("signup of %s: %w", a.email, err)
	}
	if out.Signup.User.ID == "" {
		return nil, fmt.Errorf("signup of %s: the answer has no user id", a.email)
	}
	return &session{email: a.email, access: out.Signup.AccessToken, refresh: out.Signup.RefreshToken}, nil
}

func (c *client) login(ctx context.Context, a account) (*session, error) {
	var out struct {
		Login tokens `json:"login"`
	}
	in := map[string]any{"in": map[string]string{"email": a.email, "password": a.password}}
	if err := c.do(ctx, loginOp, in, "", &out); err != nil {
		return nil, err
	}
	if err := out.Login.check(); err != nil {
		return nil, err
	}
	return &session{email: a.email, access: out.Login.AccessToken, refresh: out.Login.RefreshToken}, nil
}

// refresh exchanges s's refresh token and, on success, stores the new tokens
// in s.
func (c *client) refresh(ctx context.Context, s *session) error {
	var out struct {
		Refresh tokens `json:"refresh"`
	}
	if err := c.do(ctx, refreshOp, map[string]string{"t": s.refresh}, "", &out); err != nil {
		return err
	}
	if err := out.Refresh.check(); err != nil {
		return err
	}
	if out.Refresh.RefreshToken == s.refresh {
		return fmt.Errorf("refresh answered the same refresh token it was given")
	}
	s.access, s.refresh = out.Refresh.AccessToken, out.Refresh.RefreshToken
	return nil
}

// me asks who the bearer of access is and checks the answer is email's user.
func (c *client) me(ctx context.Context, access, email string) error {
	var out struct {
		Me *struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"me"`
	}
	if err := c.do(ctx, meOp, nil, access, &out); err != nil {
		return err
	}
	if out.Me == nil {
		return fmt.Errorf("me is null: the access token was not accepted")
	}
	if out.Me.ID == "" || !strings.EqualFold(out.Me.Email, email) {
		return fmt.Errorf("me answered %q (id %q), want %q", out.Me.Email, out.Me.ID, email)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fedstack/bench/internal/gqlclient"
)

// The operations of the benchmark, exactly as a browser client sends them
// through the router.
const (
	signupOp  = `mutation($in: SignupInput!) { signup(input: $in) { accessToken refreshToken user { id } } }`
	loginOp   = `mutation($in: LoginInput!) { login(input: $in) { accessToken refreshToken } }`
	refreshOp = `mutation($t: String!) { refresh(refreshToken: $t) { accessToken refreshToken } }`
	meOp      = `{ me { id email } }`
)

// client sends the benchmark's GraphQL operations to one endpoint.
type client struct{ *gqlclient.Client }

func newClient(url string, timeout time.Duration, conns int) *client {
	return &client{gqlclient.New(url, timeout, conns)}
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
	if err := c.Do(ctx, signupOp, in, "", &out, nil); err != nil {
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
	if err := c.Do(ctx, loginOp, in, "", &out, nil); err != nil {
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
	if err := c.Do(ctx, refreshOp, map[string]string{"t": s.refresh}, "", &out, nil); err != nil {
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
	if err := c.Do(ctx, meOp, nil, access, &out, nil); err != nil {
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

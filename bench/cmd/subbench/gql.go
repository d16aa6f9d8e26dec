package main

import (
	"context"
	"fmt"
	"time"

	"fedstack/bench/internal/gqlclient"
)

// The operations of the benchmark, as the web app sends them through the router (and
// gqlclient.SignupOp).
const (
	loginOp   = `mutation($in: LoginInput!) { login(input: $in) { accessToken } }`
	addTodoOp = `mutation($in: AddTodoInput!) { addTodo(input: $in) { id title } }`
)

// client sends the benchmark's GraphQL operations to the router.
type client struct{ *gqlclient.Client }

func newClient(url string, timeout time.Duration, conns int) *client {
	return &client{gqlclient.New(url, timeout, conns)}
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
	if err := c.Do(ctx, loginOp, in, "", &out, nil); err != nil {
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
	if err := c.Do(ctx, addTodoOp, in, token, &out, sent); err != nil {
		return "", fmt.Errorf("addTodo: %w", err)
	}
	if out.AddTodo.ID == "" || out.AddTodo.Title != title {
		return "", fmt.Errorf("addTodo answered id %q title %q, want a new id and title %q", out.AddTodo.ID, out.AddTodo.Title, title)
	}
	return out.AddTodo.ID, nil
}

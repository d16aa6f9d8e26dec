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
	sendMessageOp = `mutation($in: SendMessageInput!){ sendMessage(input: $in){ message { id } } }`
	streamOp      = `subscription($id: ID!){ messageStream(messageId: $id, offset: 0){ offset text done state message { tokensIn tokensOut cost } } }`
)

// client sends the benchmark's GraphQL operations to the router.
type client struct{ *gqlclient.Client }

func newClient(url string, timeout time.Duration, conns int) *client {
	return &client{gqlclient.New(url, timeout, conns)}
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
	if err := c.Do(ctx, sendMessageOp, in, token, &out, sent); err != nil {
		return "", fmt.Errorf("sendMessage: %w", err)
	}
	if out.SendMessage.Message.ID == "" {
		return "", fmt.Errorf("sendMessage answered no message id")
	}
	return out.SendMessage.Message.ID, nil
}

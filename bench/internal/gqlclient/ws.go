package gqlclient

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// Subprotocol is the protocol the router speaks on /graphql websockets.
const Subprotocol = "graphql-transport-ws"

// Message is a graphql-transport-ws message.
type Message struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// WSURL is the websocket URL of a GraphQL endpoint served over http(s): ws(s)://, the
// same host and path.
func WSURL(httpURL string) string {
	if rest, ok := strings.CutPrefix(httpURL, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(httpURL, "http://")
}

// WSDialer opens graphql-transport-ws connections to one URL from one local address.
type WSDialer struct {
	URL string
	// Timeout bounds each connection's TCP connect, upgrade, connection_init and ack.
	Timeout time.Duration
	client  *http.Client
}

// NewWSDialer dials url (ws://…) from localIP ("" for any), each connection within
// timeout. Its connections have no TCP keep-alive: a benchmark holds tens of thousands
// idle.
func NewWSDialer(url, localIP string, timeout time.Duration) (*WSDialer, error) {
	d := &net.Dialer{Timeout: timeout, KeepAlive: -1}
	if localIP != "" {
		ip := net.ParseIP(localIP)
		if ip == nil {
			return nil, fmt.Errorf("local address %q is not an IP address", localIP)
		}
		d.LocalAddr = &net.TCPAddr{IP: ip}
	}
	return &WSDialer{URL: url, Timeout: timeout, client: &http.Client{Transport: &http.Transport{
		Proxy:               nil, // loopback only; never through a proxy from the environment
		DialContext:         d.DialContext,
		MaxIdleConnsPerHost: -1, // an upgraded connection is never reused anyway
		DisableCompression:  true,
	}}}, nil
}

// Dial opens a connection, sends connection_init with token as the bearer and waits for
// its ack (answering pings meanwhile), all within the dialer's Timeout. The connection
// holds no subscription yet.
func (d *WSDialer) Dial(ctx context.Context, token string) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	c, _, err := websocket.Dial(ctx, d.URL, &websocket.DialOptions{HTTPClient: d.client, Subprotocols: []string{Subprotocol}})
	if err != nil {
		return nil, fmt.Errorf("websocket upgrade: %w", err)
	}
	if c.Subprotocol() != Subprotocol {
		c.CloseNow()
		return nil, fmt.Errorf("the server chose subprotocol %q, want %q", c.Subprotocol(), Subprotocol)
	}
	payload, _ := json.Marshal(map[string]string{"authorization": "Bearer " + token})
	if err := WriteMessage(ctx, c, Message{Type: "connection_init", Payload: payload}); err != nil {
		c.CloseNow()
		return nil, fmt.Errorf("sending connection_init: %w", err)
	}
	for {
		m, _, err := ReadMessage(ctx, c)
		if err != nil {
			c.CloseNow()
			return nil, fmt.Errorf("waiting for connection_ack: %w", err)
		}
		switch m.Type {
		case "connection_ack":
			return c, nil
		case "ping":
			_ = WriteMessage(ctx, c, Message{Type: "pong"})
		default:
			c.CloseNow()
			return nil, fmt.Errorf("answer to connection_init: %q, want connection_ack", m.Type)
		}
	}
}

// WriteMessage sends m as a text frame.
func WriteMessage(ctx context.Context, c *websocket.Conn, m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return c.Write(ctx, websocket.MessageText, b)
}

// FrameError is a frame that is no graphql-transport-ws message (binary, or not JSON):
// the connection itself still works.
type FrameError string

func (e FrameError) Error() string { return string(e) }

// ReadMessage reads the next message and the time its frame was read (before decoding).
// A frame that is no message is a FrameError; any other error ended the connection.
func ReadMessage(ctx context.Context, c *websocket.Conn) (Message, time.Time, error) {
	var m Message
	typ, b, err := c.Read(ctx)
	at := time.Now()
	if err != nil {
		return m, at, err
	}
	if typ != websocket.MessageText {
		return m, at, FrameError("the server sent a binary frame")
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, at, FrameError(fmt.Sprintf("the server sent something that is not JSON: %.100s", b))
	}
	return m, at, nil
}

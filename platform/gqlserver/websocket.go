package gqlserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
	"fedstack/platform/httpserver"
)

// graphql-transport-ws close codes (https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md).
const (
	CloseInternalServerError       = 4500
	CloseBadRequest                = 4400
	CloseUnauthorized              = 4401
	CloseForbidden                 = 4403
	CloseInitTimeout               = 4408
	CloseSubscriberAlreadyExists   = 4409
	CloseTooManyInitialisationReqs = 4429
	closeGoingAway                 = 1001
)

const transportWS = "graphql-transport-ws"

// initFunc verifies the connection_init token, puts its claims in the connection context,
// and ties the connection to the server's shutdown signal.
func initFunc(v *authn.Verifier, logger *slog.Logger) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		if v != nil {
			if h := payload.Authorization(); h != "" {
				token, ok := authn.BearerToken(h)
				if !ok {
					return refuse(ctx, CloseForbidden, "Forbidden: authorization must be \"Bearer <token>\"")
				}
				claims, err := v.Verify(ctx, token)
				if err != nil {
					if errs.CodeOf(err) != errs.Unauthenticated {
						logger.ErrorContext(ctx, "websocket init: verifying token", "error", err)
						return refuse(ctx, CloseInternalServerError, "Internal server error")
					}
					msg := err.Error()
					if e, ok := errors.AsType[*errs.Error](err); ok {
						msg = e.Message
					}
					return refuse(ctx, CloseForbidden, "Forbidden: "+msg)
				}
				ctx = authn.WithClaims(ctx, claims)
			}
		}
		if sig := httpserver.ShutdownSignal(ctx); sig != nil {
			// gqlgen closes the connection when this context ends.
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			go func() {
				defer cancel()
				select {
				case <-sig:
				case <-ctx.Done():
				}
			}()
		}
		return ctx, nil, nil
	}
}

// refuse makes gqlgen close the connection with code and reason.
func refuse(ctx context.Context, code int, reason string) (context.Context, *transport.InitPayload, error) {
	reason = truncate(reason)
	ctx = transport.WithWebsocketCloseCode(ctx, code)
	ctx = transport.AppendCloseReason(ctx, reason)
	return ctx, nil, &refusal{reason}
}

type refusal struct{ reason string }

func (r *refusal) Error() string { return r.reason }

// truncate keeps a close reason within the 123 bytes a close frame allows.
func truncate(s string) string {
	if len(s) <= 120 {
		return s
	}
	return s[:117] + "..."
}

// implementation adapts coder/websocket through gqlgen's own adapter and enforces the
// graphql-transport-ws rules gqlgen leaves out, closing with the protocol's codes: 4400 for an
// invalid message, 4401 for a subscribe before the connection is acknowledged, 4408 when no
// connection_init arrives within InitTimeout, 4409 for a duplicate subscription id, 4429 for a
// second connection_init, and 1001 when the server shuts down.
type implementation struct {
	accept []string
}

func (i implementation) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	inner, err := transport.CoderWebsocketImplementation{
		AcceptOptions: coderws.AcceptOptions{OriginPatterns: i.accept},
	}.Accept(w, r, opts)
	if err != nil {
		return nil, err
	}
	return &conn{
		inner:    inner,
		strict:   inner.Subprotocol() == transportWS,
		shutdown: httpserver.ShutdownSignal(r.Context()),
		active:   map[string]bool{},
	}, nil
}

// conn wraps gqlgen's coder/websocket connection.
type conn struct {
	inner    transport.WebsocketConn
	strict   bool // graphql-transport-ws: enforce its rules
	shutdown <-chan struct{}

	mu       sync.Mutex
	initSeen bool
	acked    bool
	active   map[string]bool
	closed   bool
}

var (
	_ transport.WebsocketConn          = (*conn)(nil)
	_ transport.WebsocketReadLimiter   = (*conn)(nil)
	_ transport.WebsocketReadDeadliner = (*conn)(nil)
)

type envelope struct {
	Type string          `json:"type"`
	ID   string          `json:"id,omitempty"`
	Raw  json.RawMessage `json:"payload,omitempty"`
}

func (c *conn) NextReader() (int, io.Reader, error) {
	for {
		typ, r, err := c.inner.NextReader()
		if err != nil || !c.strict {
			return typ, r, err
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return typ, nil, err
		}
		var m envelope
		if err := json.Unmarshal(data, &m); err != nil || m.Type == "" {
			return c.violation(CloseBadRequest, "Invalid message received")
		}
		switch code, reason, answerPing := c.check(m); {
		case code != 0:
			return c.violation(code, reason)
		case answerPing:
			// ping before connection_init: gqlgen would refuse it, the protocol allows it.
			if err := c.inner.WriteJSON(envelope{Type: "pong"}); err != nil {
				return typ, nil, err
			}
			continue
		}
		return typ, bytes.NewReader(data), nil
	}
}

// check applies the protocol rules to a client message.
func (c *conn) check(m envelope) (code int, reason string, answerPing bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch m.Type {
	case "connection_init":
		if c.initSeen {
			return CloseTooManyInitialisationReqs, "Too many initialisation requests", false
		}
		c.initSeen = true
	case "subscribe":
		if !c.acked {
			return CloseUnauthorized, "Unauthorized", false
		}
		if m.ID == "" {
			return CloseBadRequest, "Invalid message received", false
		}
		if c.active[m.ID] {
			return CloseSubscriberAlreadyExists, truncate("Subscriber for " + m.ID + " already exists"), false
		}
		c.active[m.ID] = true
	case "complete":
		delete(c.active, m.ID)
	case "ping":
		if !c.initSeen {
			return 0, "", true
		}
	case "pong":
	default:
		return CloseBadRequest, truncate("Invalid message type " + m.Type), false
	}
	return 0, "", false
}

// violation closes the connection with code and reports it closed to gqlgen.
func (c *conn) violation(code int, reason string) (int, io.Reader, error) {
	_ = c.WriteClose(code, reason)
	return 0, nil, transport.ErrWebsocketClosed
}

func (c *conn) WriteJSON(v any) error {
	if !c.strict {
		return c.inner.WriteJSON(v)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var m envelope
	if json.Unmarshal(data, &m) == nil {
		c.mu.Lock()
		switch m.Type {
		case "connection_ack":
			c.acked = true
		case "complete", "error":
			delete(c.active, m.ID)
		}
		c.mu.Unlock()
	}
	return c.inner.WriteJSON(json.RawMessage(data))
}

func (c *conn) WriteClose(code int, reason string) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()

	switch {
	case c.strict && code == transport.WebsocketCloseProtocolError && reason == "connection initialisation timeout":
		code, reason = CloseInitTimeout, "Connection initialisation timeout"
	case code == transport.WebsocketCloseNormalClosure && c.shuttingDown():
		code, reason = closeGoingAway, "server shutting down"
	}
	return c.inner.WriteClose(code, reason)
}

func (c *conn) shuttingDown() bool {
	select {
	case <-c.shutdown:
		return true
	default:
		return false
	}
}

func (c *conn) Close() error        { return c.inner.Close() }
func (c *conn) Subprotocol() string { return c.inner.Subprotocol() }

func (c *conn) SetReadLimit(limit int64) {
	if l, ok := c.inner.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *conn) SetReadDeadline(t time.Time) error {
	if d, ok := c.inner.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

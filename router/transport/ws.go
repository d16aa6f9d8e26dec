package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"fedstack/platform/httpserver"

	"fedstack/router/engine"
)

// Subprotocol is the websocket subprotocol the router speaks.
const Subprotocol = "graphql-transport-ws"

// Close codes of graphql-transport-ws.
const (
	CloseBadRequest           websocket.StatusCode = 4400
	CloseUnauthorized         websocket.StatusCode = 4401
	CloseForbidden            websocket.StatusCode = 4403
	CloseSubprotocolNotOK     websocket.StatusCode = 4406
	CloseInitTimeout          websocket.StatusCode = 4408
	CloseSubscriberExists     websocket.StatusCode = 4409
	CloseTooManyInitRequests  websocket.StatusCode = 4429
	closeInternalServerError  websocket.StatusCode = 4500
	maxConcurrentSubscription                      = 100
)

// WSHandler serves subscriptions (and queries and mutations) over graphql-transport-ws.
type WSHandler struct {
	Engine  func() Executor
	Headers HeadersFunc
	// Authenticate checks the authorization value of the connection_init payload ("" when
	// absent) and returns the token's session id; an error closes the socket with 4403.
	Authenticate func(ctx context.Context, authorization string) (sessionID string, err error)
	// WatchSession, when set, calls onEnd when the session ends (the socket then closes
	// with 4403); stop ends the watch.
	WatchSession func(sessionID string, onEnd func()) (stop func())
	InitTimeout  time.Duration
	MaxMessage   int64
	// AllowedOrigins are the browser origins allowed to connect; "*" allows any.
	AllowedOrigins []string
	// PingInterval is how often the server pings each client (default 30 s); a client that
	// does not answer within PingInterval is disconnected, so a vanished peer (crashed
	// browser, lost network) does not hold its socket and subscriptions for ever.
	PingInterval time.Duration
	Logger       *slog.Logger

	open atomic.Int64 // connections being served
}

// OpenConnections is how many websocket connections are being served now.
func (h *WSHandler) OpenConnections() int64 { return h.open.Load() }

// IsWebsocket tells whether r asks for a websocket upgrade.
func IsWebsocket(r *http.Request) bool {
	return headerHas(r.Header, "Connection", "upgrade") && headerHas(r.Header, "Upgrade", "websocket")
}

func headerHas(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, part := range bytes.Split([]byte(v), []byte(",")) {
			if bytes.EqualFold(bytes.TrimSpace(part), []byte(token)) {
				return true
			}
		}
	}
	return false
}

func (h *WSHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	opts := &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}}
	for _, o := range h.AllowedOrigins {
		if o == "*" {
			opts.InsecureSkipVerify = true
		}
	}
	if !opts.InsecureSkipVerify {
		opts.OriginPatterns = h.AllowedOrigins
	}
	conn, err := websocket.Accept(w, r, opts)
	if err != nil {
		return // Accept has answered the client
	}
	if conn.Subprotocol() != Subprotocol {
		_ = conn.Close(CloseSubprotocolNotOK, "Subprotocol not acceptable")
		return
	}
	if h.MaxMessage > 0 {
		conn.SetReadLimit(h.MaxMessage)
	}
	s := &wsSession{h: h, conn: conn, r: r, subs: map[string]*wsOperation{}}
	s.run()
}

type wsMessage struct {
	Type    string          `json:"type"`
	ID      *string         `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsOperation is one running operation of a connection.
type wsOperation struct{ cancel context.CancelFunc }

type wsSession struct {
	h    *WSHandler
	conn *websocket.Conn
	r    *http.Request

	writeMu sync.Mutex
	mu      sync.Mutex
	subs    map[string]*wsOperation
	acked   bool
	inited  bool
	auth    string
	wg      sync.WaitGroup
	// stopWatch ends the watch on the connection's session (nil when none).
	stopWatch func()
}

func (s *wsSession) run() {
	ctx, cancel := context.WithCancel(s.r.Context())
	s.h.open.Add(1)
	defer func() {
		cancel()
		s.wg.Wait()
		if s.stopWatch != nil {
			s.stopWatch()
		}
		// A read error may be a peer that vanished without a close frame: the library
		// keeps such a socket open unless told, so release it here in every case.
		_ = s.conn.CloseNow()
		s.h.open.Add(-1)
	}()
	timeout := s.h.InitTimeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	initTimer := time.AfterFunc(timeout, func() {
		s.mu.Lock()
		inited := s.inited
		s.mu.Unlock()
		if !inited {
			s.close(CloseInitTimeout, "Connection initialisation timeout")
		}
	})
	defer initTimer.Stop()

	go s.keepAlive(ctx)

	for {
		typ, data, err := s.conn.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			s.close(CloseBadRequest, "Invalid message received: send text frames")
			return
		}
		var msg wsMessage
		if err := json.Unmarshal(data, &msg); err != nil || msg.Type == "" {
			s.close(CloseBadRequest, "Invalid message received")
			return
		}
		if !s.handle(ctx, &msg) {
			return
		}
	}
}

// keepAlive pings the client every PingInterval and closes the connection when a pong does
// not come back in time, and closes with 1001 (going away) when the server shuts down.
// It ends with the session.
func (s *wsSession) keepAlive(ctx context.Context) {
	interval := s.h.PingInterval
	if interval <= 0 {
		interval = 30 * time.Second
	}
	shutdown := httpserver.ShutdownSignal(s.r.Context()) // nil: never
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-shutdown:
			s.close(websocket.StatusGoingAway, "server shutting down")
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, interval)
			err := s.conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				_ = s.conn.CloseNow() // the read loop then ends the session
				return
			}
		}
	}
}

// handle processes one client message; false ends the session.
func (s *wsSession) handle(ctx context.Context, msg *wsMessage) bool {
	switch msg.Type {
	case "connection_init":
		s.mu.Lock()
		again := s.inited
		s.inited = true
		s.mu.Unlock()
		if again {
			s.close(CloseTooManyInitRequests, "Too many initialisation requests")
			return false
		}
		auth, ok := initAuthorization(msg.Payload)
		if !ok {
			s.close(CloseBadRequest, "Invalid message received: connection_init payload must be an object")
			return false
		}
		if s.h.Authenticate != nil {
			sid, err := s.h.Authenticate(ctx, auth)
			if err != nil {
				s.close(CloseForbidden, "Forbidden: "+truncate(err.Error(), 100))
				return false
			}
			if sid != "" && s.h.WatchSession != nil {
				s.stopWatch = s.h.WatchSession(sid, func() {
					s.close(CloseForbidden, "Forbidden: this session has ended")
				})
			}
		}
		s.mu.Lock()
		s.acked = true
		s.auth = auth
		s.mu.Unlock()
		return s.send(ctx, wsMessage{Type: "connection_ack"}) == nil
	case "ping":
		return s.send(ctx, wsMessage{Type: "pong", Payload: msg.Payload}) == nil
	case "pong":
		return true
	case "subscribe":
		s.mu.Lock()
		acked := s.acked
		s.mu.Unlock()
		if !acked {
			s.close(CloseUnauthorized, "Unauthorized")
			return false
		}
		if msg.ID == nil || *msg.ID == "" {
			s.close(CloseBadRequest, "Invalid message received: subscribe needs an id")
			return false
		}
		var req Request
		if err := json.Unmarshal(msg.Payload, &req); err != nil || req.Query == "" {
			s.close(CloseBadRequest, "Invalid message received: subscribe payload needs a query")
			return false
		}
		return s.subscribe(ctx, *msg.ID, &req)
	case "complete":
		if msg.ID != nil {
			s.mu.Lock()
			if op, ok := s.subs[*msg.ID]; ok {
				op.cancel()
				delete(s.subs, *msg.ID)
			}
			s.mu.Unlock()
		}
		return true
	default:
		s.close(CloseBadRequest, fmt.Sprintf("Invalid message received: unknown type %q", truncate(msg.Type, 40)))
		return false
	}
}

func (s *wsSession) subscribe(ctx context.Context, id string, req *Request) bool {
	s.mu.Lock()
	if _, exists := s.subs[id]; exists {
		s.mu.Unlock()
		s.close(CloseSubscriberExists, "Subscriber for "+truncate(id, 60)+" already exists")
		return false
	}
	if len(s.subs) >= maxConcurrentSubscription {
		s.mu.Unlock()
		return s.sendErrors(ctx, id, []engine.GraphQLError{{Message: fmt.Sprintf("too many operations on one connection (limit %d)", maxConcurrentSubscription), Extensions: map[string]any{"code": "RATE_LIMITED"}}})
	}
	subCtx, cancel := context.WithCancel(ctx)
	entry := &wsOperation{cancel: cancel}
	s.subs[id] = entry
	auth := s.auth
	s.mu.Unlock()

	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			s.mu.Lock()
			// Only this operation's own entry: the id may have been reused after complete.
			if s.subs[id] == entry {
				delete(s.subs, id)
			}
			s.mu.Unlock()
			cancel()
		}()
		s.execute(subCtx, id, req, auth)
	}()
	return true
}

func (s *wsSession) execute(ctx context.Context, id string, req *Request, auth string) {
	ex := s.h.Engine()
	op, err := ex.Prepare(req.Query, req.OperationName)
	if err == nil {
		var bound *engine.Bound
		bound, err = ex.Bind(op, req.Variables)
		if err == nil {
			opts := engine.ExecOptions{}
			if s.h.Headers != nil {
				opts.Headers = s.h.Headers(s.r, auth)
			}
			if auth != "" {
				opts.InitialPayload, _ = json.Marshal(map[string]string{"authorization": auth})
			}
			if op.Type == engine.Subscription {
				w := &wsWriter{s: s, id: id, ctx: ctx}
				err = ex.Subscribe(ctx, bound, opts, w)
				if ctx.Err() == nil {
					w.Complete()
				}
				if err != nil && ctx.Err() == nil {
					s.h.Logger.WarnContext(ctx, "subscription ended with an error", "error", err.Error())
				}
				return
			}
			var buf bytes.Buffer
			if err = ex.Execute(ctx, bound, opts, &buf); err == nil {
				if s.send(ctx, wsMessage{Type: "next", ID: &id, Payload: buf.Bytes()}) == nil {
					_ = s.send(ctx, wsMessage{Type: "complete", ID: &id})
				}
				return
			}
		}
	}
	if ctx.Err() != nil {
		return
	}
	var re *engine.RequestError
	if errors.As(err, &re) {
		_ = s.sendErrors(ctx, id, re.Errors)
		return
	}
	s.h.Logger.ErrorContext(ctx, "websocket operation failed", "error", err.Error())
	_ = s.sendErrors(ctx, id, []engine.GraphQLError{{Message: "internal error", Extensions: map[string]any{"code": "INTERNAL"}}})
}

func (s *wsSession) sendErrors(ctx context.Context, id string, errs []engine.GraphQLError) bool {
	payload, _ := json.Marshal(errs)
	return s.send(ctx, wsMessage{Type: "error", ID: &id, Payload: payload}) == nil
}

func (s *wsSession) send(ctx context.Context, msg wsMessage) error {
	data, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return s.conn.Write(wctx, websocket.MessageText, data)
}

func (s *wsSession) close(code websocket.StatusCode, reason string) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	_ = s.conn.Close(code, reason)
}

// initAuthorization reads {"authorization": "Bearer …"} (or "Authorization") from a
// connection_init payload; an absent or null payload means anonymous.
func initAuthorization(payload json.RawMessage) (string, bool) {
	p := bytes.TrimSpace(payload)
	if len(p) == 0 || bytes.Equal(p, []byte("null")) {
		return "", true
	}
	var m map[string]any
	if err := json.Unmarshal(p, &m); err != nil {
		return "", false
	}
	for _, k := range []string{"authorization", "Authorization"} {
		if v, ok := m[k].(string); ok {
			return v, true
		}
	}
	if v, ok := m["headers"].(map[string]any); ok {
		for _, k := range []string{"authorization", "Authorization"} {
			if s, ok := v[k].(string); ok {
				return s, true
			}
		}
	}
	return "", true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// wsWriter turns engine output into `next` messages.
type wsWriter struct {
	s    *wsSession
	id   string
	ctx  context.Context
	mu   sync.Mutex
	buf  bytes.Buffer
	done bool
}

func (w *wsWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *wsWriter) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done || w.buf.Len() == 0 {
		return nil
	}
	payload := bytes.Clone(w.buf.Bytes())
	w.buf.Reset()
	return w.s.send(w.ctx, wsMessage{Type: "next", ID: &w.id, Payload: payload})
}

func (w *wsWriter) Complete() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return
	}
	w.done = true
	_ = w.s.send(w.ctx, wsMessage{Type: "complete", ID: &w.id})
}

func (w *wsWriter) Heartbeat() error { return nil }

func (w *wsWriter) Error(data []byte) {
	w.mu.Lock()
	w.buf.Reset()
	w.buf.Write(data)
	w.mu.Unlock()
	_ = w.Flush()
}

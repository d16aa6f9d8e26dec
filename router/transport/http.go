// Package transport serves GraphQL over HTTP (POST and GET, per the GraphQL-over-HTTP
// spec), over websockets (graphql-transport-ws), over server-sent events, and the GraphiQL
// playground.
package transport

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/wundergraph/astjson"

	"fedstack/router/engine"
)

// Media types.
const (
	MediaGraphQLResponse = "application/graphql-response+json"
	MediaJSON            = "application/json"
	MediaEventStream     = "text/event-stream"
)

// Request is a GraphQL-over-HTTP request's parameters.
type Request struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// Executor is what the transports need from the engine; the router wires its own stages
// (persisted operations, authentication, limits) in front of it.
type Executor interface {
	Prepare(query, operationName string) (*engine.Operation, error)
	Bind(op *engine.Operation, variables []byte) (*engine.Bound, error)
	Execute(ctx context.Context, b *engine.Bound, o engine.ExecOptions, w io.Writer) error
	Subscribe(ctx context.Context, b *engine.Bound, o engine.ExecOptions, w engine.SubscriptionWriter) error
}

// HeadersFunc builds the per-request headers sent to subgraphs.
type HeadersFunc func(r *http.Request, authorization string) engine.Headers

// HTTPHandler serves POST and GET /graphql.
type HTTPHandler struct {
	Engine       func() Executor
	Headers      HeadersFunc
	MaxBodyBytes int64
	Logger       *slog.Logger
	// RequestID returns the id logged with a request (for INTERNAL errors).
	RequestID func(ctx context.Context) string
}

// ServeHTTP implements the GraphQL-over-HTTP spec for POST and GET.
func (h *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	media, ok := negotiate(r.Header.Get("Accept"))
	if !ok {
		w.Header().Set("Content-Type", MediaJSON)
		writeStatusErrors(w, http.StatusNotAcceptable, MediaJSON,
			"the Accept header allows neither application/graphql-response+json nor application/json")
		return
	}
	var req Request
	switch r.Method {
	case http.MethodPost:
		if !h.readPost(w, r, media, &req) {
			return
		}
	case http.MethodGet:
		if !readGet(w, r, media, &req) {
			return
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		writeStatusErrors(w, http.StatusMethodNotAllowed, media, "use POST, or GET for queries")
		return
	}
	h.serve(w, r, media, &req)
}

func (h *HTTPHandler) readPost(w http.ResponseWriter, r *http.Request, media string, req *Request) bool {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || (mt != MediaJSON && mt != MediaGraphQLResponse) {
		writeStatusErrors(w, http.StatusUnsupportedMediaType, media,
			fmt.Sprintf("Content-Type %q is not supported: send application/json", ct))
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		writeStatusErrors(w, http.StatusUnsupportedMediaType, media,
			fmt.Sprintf("charset %q is not supported: send utf-8", cs))
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeStatusErrors(w, http.StatusRequestEntityTooLarge, media,
				fmt.Sprintf("the request body is larger than the limit of %d bytes", h.MaxBodyBytes))
			return false
		}
		writeStatusErrors(w, http.StatusBadRequest, media, "the request body could not be read: "+err.Error())
		return false
	}
	if msg := decodeBody(body, req); msg != "" {
		writeStatusErrors(w, http.StatusBadRequest, media, msg)
		return false
	}
	return true
}

// decodeBody checks the shape of a POST body and fills req; it returns what is wrong.
func decodeBody(body []byte, req *Request) string {
	p := bodyParsers.Get().(*astjson.Parser)
	defer bodyParsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return "the request body is not valid JSON: " + err.Error()
	}
	if v.Type() != astjson.TypeObject {
		return "the request body must be a JSON object with a query"
	}
	q := v.Get("query")
	if q == nil || q.Type() == astjson.TypeNull {
		if v.Get("extensions") == nil {
			return "the request body has no query: send {\"query\": \"{ ... }\"}"
		}
		// A persisted operation may come without its text; the caller resolves it.
	} else {
		sb, err := q.StringBytes()
		if err != nil {
			return "query must be a string"
		}
		req.Query = string(sb)
	}
	if on := v.Get("operationName"); on != nil && on.Type() != astjson.TypeNull {
		sb, err := on.StringBytes()
		if err != nil {
			return "operationName must be a string or null"
		}
		req.OperationName = string(sb)
	}
	if vars := v.Get("variables"); vars != nil && vars.Type() != astjson.TypeNull {
		if vars.Type() != astjson.TypeObject {
			return "variables must be a JSON object or null"
		}
		req.Variables = vars.MarshalTo(nil)
	}
	if ext := v.Get("extensions"); ext != nil && ext.Type() != astjson.TypeNull {
		if ext.Type() != astjson.TypeObject {
			return "extensions must be a JSON object or null"
		}
		req.Extensions = ext.MarshalTo(nil)
	}
	return ""
}

// bodyParsers recycles JSON parsers (their values live until the parser's next use, so
// everything kept is copied out before it goes back).
var bodyParsers = sync.Pool{New: func() any { return new(astjson.Parser) }}

func readGet(w http.ResponseWriter, r *http.Request, media string, req *Request) bool {
	q := r.URL.Query()
	req.Query = q.Get("query")
	req.OperationName = q.Get("operationName")
	if v := q.Get("variables"); v != "" {
		if !isObject([]byte(v)) {
			writeStatusErrors(w, http.StatusBadRequest, media, "the variables parameter must be a JSON object")
			return false
		}
		req.Variables = json.RawMessage(v)
	}
	if v := q.Get("extensions"); v != "" {
		if !isObject([]byte(v)) {
			writeStatusErrors(w, http.StatusBadRequest, media, "the extensions parameter must be a JSON object")
			return false
		}
		req.Extensions = json.RawMessage(v)
	}
	if req.Query == "" && req.Extensions == nil {
		writeStatusErrors(w, http.StatusBadRequest, media, "the query parameter is missing: GET /graphql?query={...}")
		return false
	}
	return true
}

func (h *HTTPHandler) serve(w http.ResponseWriter, r *http.Request, media string, req *Request) {
	ex := h.Engine()
	if req.Query == "" {
		writeStatusErrors(w, http.StatusBadRequest, media, "the query is empty")
		return
	}
	op, err := ex.Prepare(req.Query, req.OperationName)
	if err != nil {
		h.writeError(w, r, media, err)
		return
	}
	if r.Method == http.MethodGet && op.Type != engine.Query {
		w.Header().Set("Allow", "POST")
		writeStatusErrors(w, http.StatusMethodNotAllowed, media,
			fmt.Sprintf("a %s cannot be sent with GET: use POST", op.Type))
		return
	}
	bound, err := ex.Bind(op, req.Variables)
	if err != nil {
		h.writeError(w, r, media, err)
		return
	}
	opts := engine.ExecOptions{}
	if h.Headers != nil {
		opts.Headers = h.Headers(r, r.Header.Get("Authorization"))
	}
	if op.Type == engine.Subscription {
		if !acceptsEventStream(r.Header.Get("Accept")) {
			writeStatusErrors(w, http.StatusBadRequest, media,
				"subscriptions need a websocket (graphql-transport-ws) or Accept: text/event-stream")
			return
		}
		serveSSE(w, r, ex, bound, opts, h.Logger)
		return
	}
	buf := responseBuffers.Get().(*bytes.Buffer)
	defer putResponseBuffer(buf)
	if err := ex.Execute(r.Context(), bound, opts, buf); err != nil {
		h.writeError(w, r, media, err)
		return
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	// A known length spares the chunked encoding of large answers.
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// responseBuffers recycles response buffers: answers are written whole, after resolving.
var responseBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// putResponseBuffer returns a buffer to the pool unless it grew unusually large, so one
// huge answer does not pin its memory for ever.
func putResponseBuffer(b *bytes.Buffer) {
	if b.Cap() > 4<<20 {
		return
	}
	b.Reset()
	responseBuffers.Put(b)
}

// writeError answers a failed request: request errors get the spec's status for the
// negotiated media type; anything else is an internal error without detail.
func (h *HTTPHandler) writeError(w http.ResponseWriter, r *http.Request, media string, err error) {
	var re *engine.RequestError
	if errors.As(err, &re) {
		status := http.StatusOK
		if media == MediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		if re.Kind == engine.KindMethod {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, media, map[string]any{"errors": re.Errors})
		return
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	rid := ""
	if h.RequestID != nil {
		rid = h.RequestID(r.Context())
	}
	h.Logger.ErrorContext(r.Context(), "graphql request failed", "error", err.Error())
	writeJSON(w, http.StatusInternalServerError, media, map[string]any{"errors": []engine.GraphQLError{{
		Message:    "internal error (request id " + rid + ")",
		Extensions: map[string]any{"code": "INTERNAL", "requestId": rid},
	}}})
}

// negotiate picks the response media type from an Accept header.
func negotiate(accept string) (string, bool) {
	if strings.TrimSpace(accept) == "" {
		return MediaJSON, true
	}
	best, bestQ := "", -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			_, _ = fmt.Sscanf(v, "%g", &q)
		}
		if q <= 0 {
			continue
		}
		var candidate string
		switch mt {
		case MediaGraphQLResponse:
			candidate = MediaGraphQLResponse
		case MediaJSON:
			candidate = MediaJSON
		case "application/*", "*/*":
			// The spec: a wildcard gets application/json, which every client understands.
			candidate = MediaJSON
		case MediaEventStream:
			candidate = MediaJSON
		default:
			continue
		}
		if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
			continue
		}
		if q > bestQ || (q == bestQ && candidate == MediaGraphQLResponse && best != MediaGraphQLResponse) {
			best, bestQ = candidate, q
		}
	}
	return best, best != ""
}

func acceptsEventStream(accept string) bool {
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mt == MediaEventStream {
			return true
		}
	}
	return false
}

func writeStatusErrors(w http.ResponseWriter, status int, media, message string) {
	writeJSON(w, status, media, map[string]any{"errors": []engine.GraphQLError{{
		Message:    message,
		Extensions: map[string]any{"code": codeForStatus(status)},
	}}})
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusNotAcceptable:
		return "NOT_ACCEPTABLE"
	case http.StatusUnsupportedMediaType:
		return "UNSUPPORTED_MEDIA_TYPE"
	case http.StatusRequestEntityTooLarge:
		return "REQUEST_TOO_LARGE"
	case http.StatusMethodNotAllowed:
		return "METHOD_NOT_ALLOWED"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	default:
		return "BAD_REQUEST"
	}
}

func writeJSON(w http.ResponseWriter, status int, media string, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimRight(buf.Bytes(), "\n"))
}

func isNull(v json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(v), []byte("null")) }

func isObject(v []byte) bool {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '{' {
		return false
	}
	return json.Valid(v)
}

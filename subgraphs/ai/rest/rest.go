// Package rest serves the assistant as JSON routes under /api/ai for clients that do not
// speak GraphQL, with the same rules and errors as the GraphQL API (it calls the same
// ai.Service). Requests carry the access token as "Authorization: Bearer <token>"; there
// are no cookies here, so no CSRF exposure. Errors are {"error":{"code","message","field"?}}
// with the status of their code (RATE_LIMITED also sets Retry-After).
//
//	POST   /api/ai/chat                       {conversationId?, content, model?, stream?}
//	GET    /api/ai/messages/{id}/stream?offset=N   (or Last-Event-ID: N) resume an answer
//	POST   /api/ai/messages/{id}/stop
//	GET    /api/ai/conversations?first=20&after=<cursor>
//	GET    /api/ai/conversations/{id}
//	DELETE /api/ai/conversations/{id}
//	POST   /api/ai/documents                  multipart "file", or a text/plain or
//	                                          text/markdown body with ?name=
//	GET    /api/ai/documents
//	DELETE /api/ai/documents/{id}
//
// POST /api/ai/chat answers the whole exchange as JSON once the answer has ended, or, with
// "stream": true or Accept: text/event-stream, as Server-Sent Events:
//
//	event: start   data: {conversation, userMessage, message}   (message is STREAMING)
//	event: chunk   data: {"offset":N,"text":"..."}   id: N+len(text) (bytes)
//	event: done    data: the stored message (COMPLETE, STOPPED or FAILED)
//	event: error   data: {"error":{...}}   when the answer cannot be followed any more
//
// A client that lost the stream resumes it with GET /api/ai/messages/{id}/stream and the
// id of the last chunk it received as Last-Event-ID (or ?offset=): the same chunk and done
// events follow, from that byte offset. The answer is generated and stored whether or not
// anyone follows it.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
	"fedstack/platform/httpjson"
	"fedstack/subgraphs/ai"
)

// MultipartOverhead is what a multipart upload may add to the document's bytes (boundaries,
// part headers) before the body is refused as too large.
const MultipartOverhead = 64 << 10

// KeepAlive is how often an idle event stream gets a comment line, so that proxies keep
// the connection open while the model thinks.
const KeepAlive = 15 * time.Second

type handler struct {
	svc      *ai.Service
	verifier *authn.Verifier
}

// New returns the handler of every /api/ai route.
func New(svc *ai.Service, verifier *authn.Verifier) http.Handler {
	h := &handler{svc: svc, verifier: verifier}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/ai/chat", h.chat)
	mux.HandleFunc("GET /api/ai/messages/{id}/stream", h.resume)
	mux.HandleFunc("POST /api/ai/messages/{id}/stop", h.stop)
	mux.HandleFunc("GET /api/ai/conversations", h.conversations)
	mux.HandleFunc("GET /api/ai/conversations/{id}", h.conversation)
	mux.HandleFunc("DELETE /api/ai/conversations/{id}", h.deleteConversation)
	mux.HandleFunc("POST /api/ai/documents", h.upload)
	mux.HandleFunc("GET /api/ai/documents", h.documents)
	mux.HandleFunc("DELETE /api/ai/documents/{id}", h.deleteDocument)
	notFound := func(w http.ResponseWriter, r *http.Request) {
		errs.WriteJSON(w, r, errs.E(errs.NotFound, "no route %s %s", r.Method, r.URL.Path))
	}
	mux.HandleFunc("/api/ai/", notFound)
	mux.HandleFunc("/api/ai", notFound)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		mux.ServeHTTP(w, r)
	})
}

// caller verifies the bearer token and returns who the request acts for.
func (h *handler) caller(w http.ResponseWriter, r *http.Request) (ai.Caller, bool) {
	c, err := h.verifier.VerifyRequest(r)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return ai.Caller{}, false
	}
	return ai.Caller{UserID: c.UserID(), Role: c.Role}, true
}

// wantsStream reports whether the client asked for Server-Sent Events in its Accept header.
func wantsStream(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for part := range strings.SplitSeq(v, ",") {
			mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
			if mt == "text/event-stream" {
				return true
			}
		}
	}
	return false
}

func (h *handler) chat(w http.ResponseWriter, r *http.Request) {
	if httpjson.RefuseNonJSON(w, r) {
		return
	}
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	var in struct {
		ConversationID string `json:"conversationId"`
		Content        string `json:"content"`
		Model          string `json:"model"`
		Stream         bool   `json:"stream"`
	}
	if err := httpjson.Decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	ex, err := h.svc.Send(r.Context(), c, ai.SendInput{ConversationID: in.ConversationID, Content: in.Content, Model: in.Model})
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	// Waiting for (or streaming) an answer may outlast the server's write timeout.
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	id := ex.Assistant.ID
	if !in.Stream && !wantsStream(r) {
		if _, err := h.follow(r.Context(), c, id, 0, nil, nil); err != nil {
			if r.Context().Err() == nil { // else the client left; the answer goes on
				errs.WriteJSON(w, r, err)
			}
			return
		}
		msg, err := h.svc.Message(r.Context(), c, id)
		if err != nil {
			errs.WriteJSON(w, r, err)
			return
		}
		conv, err := h.svc.Conversation(r.Context(), c, ex.Conversation.ID)
		if err != nil {
			errs.WriteJSON(w, r, err)
			return
		}
		httpjson.Write(w, http.StatusOK, map[string]any{
			"conversation": conversationOf(conv), "userMessage": messageOf(ex.User), "message": messageOf(msg),
		})
		return
	}
	s := startEvents(w, rc)
	if err := s.event("start", "", map[string]any{
		"conversation": conversationOf(ex.Conversation), "userMessage": messageOf(ex.User), "message": messageOf(ex.Assistant),
	}); err != nil {
		return // the client left; the answer goes on
	}
	h.streamFrom(r, s, c, id, 0, nil)
}

func (h *handler) resume(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	raw, field := r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	if raw == "" {
		raw, field = r.URL.Query().Get("offset"), "offset"
	}
	from := 0
	if raw != "" {
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || n < 0 {
			errs.WriteJSON(w, r, &errs.Error{Code: errs.Invalid, Field: "offset",
				Message: field + " must be a byte offset: 0, or the id of the last chunk event received"})
			return
		}
		from = n
	}
	id := r.PathValue("id")
	// The first Follow answers NOT_FOUND or INVALID before anything is streamed.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	first, err := h.svc.Follow(ctx, c, id, from)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	s := startEvents(w, rc)
	h.streamFrom(r.WithContext(ctx), s, c, id, from, first)
}

// streamFrom sends the chunk events of an answer from byte offset from (reading first
// when not nil), then its done event (the stored message) or an error event.
func (h *handler) streamFrom(r *http.Request, s *events, c ai.Caller, id string, from int, first <-chan ai.StreamEvent) {
	ctx := r.Context()
	_, err := h.follow(ctx, c, id, from, first, s)
	if err == nil {
		msg, merr := h.svc.Message(ctx, c, id)
		if merr == nil {
			_ = s.event("done", strconv.Itoa(len(msg.Content)), messageOf(msg))
			return
		}
		err = merr
	}
	if ctx.Err() != nil || errors.Is(err, errClientGone) {
		return
	}
	_ = s.event("error", "", errorBody(r, err))
}

// errClientGone is returned by follow when an event could not be written.
var errClientGone = errors.New("the client went away")

// follow reads one of the caller's answers from byte offset from until its end, passing
// each piece to s (when not nil) as a chunk event. first, when not nil, is a Follow already
// opened at from. When the stream closes early (lost, not ended), it is followed again
// from the offset reached; an answer that makes no progress over three attempts is an
// error.
func (h *handler) follow(ctx context.Context, c ai.Caller, id string, from int, first <-chan ai.StreamEvent, s *events) (*ai.StreamDone, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the Follow goroutines when we return early
	pos, stalls := from, 0
	var keepAlive <-chan time.Time
	if s != nil {
		t := time.NewTicker(KeepAlive)
		defer t.Stop()
		keepAlive = t.C
	}
	for {
		ch := first
		first = nil
		if ch == nil {
			var err error
			if ch, err = h.svc.Follow(ctx, c, id, pos); err != nil {
				return nil, err
			}
		}
		start := pos
	read:
		for {
			select {
			case ev, ok := <-ch:
				if !ok {
					break read
				}
				if ev.Done != nil {
					return ev.Done, nil
				}
				if end := ev.Offset + len(ev.Text); ev.Text != "" && end > pos {
					if ev.Offset < pos { // overlap: keep what is new
						ev.Text, ev.Offset = ev.Text[pos-ev.Offset:], pos
					}
					if s != nil {
						if err := s.event("chunk", strconv.Itoa(end), chunk{Offset: ev.Offset, Text: ev.Text}); err != nil {
							return nil, errClientGone
						}
					}
					pos = end
				}
			case <-keepAlive:
				if err := s.comment("keep-alive"); err != nil {
					return nil, errClientGone
				}
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if pos > start {
			stalls = 0
		} else if stalls++; stalls >= 3 {
			return nil, errs.E(errs.Internal, "the answer's stream closed %d times at offset %d without ending", stalls, pos)
		}
		select {
		case <-time.After(time.Duration(stalls) * 200 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

type chunk struct {
	Offset int    `json:"offset"`
	Text   string `json:"text"`
}

// events writes Server-Sent Events, flushing each one.
type events struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func startEvents(w http.ResponseWriter, rc *http.ResponseController) *events {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("X-Accel-Buffering", "no") // nginx-style proxies: do not buffer
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	return &events{w: w, rc: rc}
}

// event writes one event; data is JSON (which has no raw newlines).
func (s *events) event(name, id string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	buf.WriteString("event: " + name + "\n")
	if id != "" {
		buf.WriteString("id: " + id + "\n")
	}
	buf.WriteString("data: ")
	buf.Write(b)
	buf.WriteString("\n\n")
	if _, err := s.w.Write(buf.Bytes()); err != nil {
		return err
	}
	return s.rc.Flush()
}

func (s *events) comment(text string) error {
	if _, err := io.WriteString(s.w, ": "+text+"\n\n"); err != nil {
		return err
	}
	return s.rc.Flush()
}

// errorBody is the JSON body errs.WriteJSON writes for err (with its logging of INTERNAL
// errors), for an error event.
func errorBody(r *http.Request, err error) json.RawMessage {
	var b bodyRecorder
	errs.WriteJSON(&b, r, err)
	return json.RawMessage(bytes.TrimSpace(b.body.Bytes()))
}

type bodyRecorder struct {
	header http.Header
	body   bytes.Buffer
}

func (b *bodyRecorder) Header() http.Header {
	if b.header == nil {
		b.header = http.Header{}
	}
	return b.header
}
func (b *bodyRecorder) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bodyRecorder) WriteHeader(int)             {}

func (h *handler) stop(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 { // an optional empty JSON object
		if httpjson.RefuseNonJSON(w, r) {
			return
		}
	}
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	if r.ContentLength != 0 {
		var in struct{}
		if err := httpjson.Decode(w, r, &in); err != nil {
			errs.WriteJSON(w, r, err)
			return
		}
	}
	msg, err := h.svc.Stop(r.Context(), c, r.PathValue("id"))
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, messageOf(msg))
}

func (h *handler) conversations(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	p := ai.Page{After: r.URL.Query().Get("after")}
	if v := r.URL.Query().Get("first"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > ai.MaxPageSize {
			errs.WriteJSON(w, r, &errs.Error{Code: errs.Invalid, Field: "first",
				Message: fmt.Sprintf("first must be between 1 and %d", ai.MaxPageSize)})
			return
		}
		p.First = n
	}
	page, err := h.svc.Conversations(r.Context(), c, p)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	list := make([]conversationJSON, len(page.Conversations))
	for i, conv := range page.Conversations {
		list[i] = conversationOf(conv)
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"conversations": list, "endCursor": nullable(page.EndCursor), "hasNextPage": page.HasNextPage,
	})
}

func (h *handler) conversation(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	conv, err := h.svc.Conversation(r.Context(), c, id)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	msgs, err := h.svc.Messages(r.Context(), c, id, ai.MessageQuery{})
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	list := make([]messageJSON, len(msgs))
	for i, m := range msgs {
		list[i] = messageOf(m)
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"conversation": conversationOf(conv), "messages": list})
}

func (h *handler) deleteConversation(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	if err := h.svc.DeleteConversation(r.Context(), c, r.PathValue("id")); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// rawTypes are the Content-Types of a document sent as the request body itself.
var rawTypes = map[string]bool{
	ai.ContentTypeText: true, ai.ContentTypeMarkdown: true, "text/x-markdown": true, "application/octet-stream": true,
}

func tooLarge(w http.ResponseWriter) {
	httpjson.Write(w, http.StatusRequestEntityTooLarge, map[string]any{"error": map[string]any{
		"code": errs.Invalid, "field": "file",
		"message": fmt.Sprintf("the document is larger than the limit of %d bytes (%d MiB); split it", ai.MaxDocumentBytes, ai.MaxDocumentBytes>>20),
	}})
}

func (h *handler) upload(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	declared := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(declared)
	if declared == "" || err != nil {
		mt = ""
	}
	var name, ctype string
	var content []byte
	switch {
	case mt == "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, ai.MaxDocumentBytes+MultipartOverhead)
		var big bool
		name, ctype, content, big, err = filePart(multipart.NewReader(r.Body, params["boundary"]))
		if big {
			tooLarge(w)
			return
		}
		if err != nil {
			errs.WriteJSON(w, r, err)
			return
		}
	case rawTypes[mt]:
		name, ctype = r.URL.Query().Get("name"), declared
		if strings.TrimSpace(name) == "" {
			errs.WriteJSON(w, r, &errs.Error{Code: errs.Invalid, Field: "name",
				Message: "name the document: POST /api/ai/documents?name=notes.md"})
			return
		}
		content, err = io.ReadAll(http.MaxBytesReader(w, r.Body, ai.MaxDocumentBytes))
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			tooLarge(w)
			return
		}
		if err != nil {
			errs.WriteJSON(w, r, errs.E(errs.Invalid, "the upload was cut short: %v", err))
			return
		}
	default:
		// The message ValidateUpload gives for such a type.
		msg := "send the document as multipart/form-data (a part named \"file\") or as a text/plain or text/markdown body"
		var verr *errs.Error
		if _, err := ai.ValidateUpload("document", declared, []byte("x")); declared != "" && errors.As(err, &verr) {
			msg = verr.Message + "; " + msg
		}
		w.Header().Set("Accept", "multipart/form-data, text/plain, text/markdown")
		httpjson.Write(w, http.StatusUnsupportedMediaType, map[string]any{"error": map[string]any{
			"code": errs.Invalid, "field": "file", "message": msg,
		}})
		return
	}
	doc, err := h.svc.UploadDocument(r.Context(), c, name, ctype, content)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/ai/documents/"+doc.ID)
	httpjson.Write(w, http.StatusCreated, documentOf(doc))
}

// filePart reads the multipart body: exactly one part named "file", with a file name.
// big reports a document (or body) over the limit.
func filePart(mr *multipart.Reader) (name, ctype string, content []byte, big bool, err error) {
	found := false
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return "", "", nil, true, nil
		}
		if err != nil {
			return "", "", nil, false, errs.E(errs.Invalid, "the body is not valid multipart/form-data: %v", err)
		}
		if p.FormName() != "file" {
			return "", "", nil, false, &errs.Error{Code: errs.Invalid, Field: p.FormName(),
				Message: fmt.Sprintf("unknown form field %q: send the document as the part named \"file\"", p.FormName())}
		}
		if found {
			return "", "", nil, false, &errs.Error{Code: errs.Invalid, Field: "file", Message: "send one document per upload"}
		}
		found = true
		name, ctype = p.FileName(), p.Header.Get("Content-Type")
		content, err = io.ReadAll(io.LimitReader(p, ai.MaxDocumentBytes+1))
		if errors.As(err, &tooBig) || len(content) > ai.MaxDocumentBytes {
			return "", "", nil, true, nil
		}
		if err != nil {
			return "", "", nil, false, errs.E(errs.Invalid, "the upload was cut short: %v", err)
		}
	}
	if !found {
		return "", "", nil, false, &errs.Error{Code: errs.Invalid, Field: "file", Message: "the upload has no part named \"file\""}
	}
	return name, ctype, content, false, nil
}

func (h *handler) documents(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	docs, err := h.svc.Documents(r.Context(), c)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	list := make([]documentJSON, len(docs))
	for i, d := range docs {
		list[i] = documentOf(d)
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"documents": list})
}

func (h *handler) deleteDocument(w http.ResponseWriter, r *http.Request) {
	c, ok := h.caller(w, r)
	if !ok {
		return
	}
	if err := h.svc.DeleteDocument(r.Context(), c, r.PathValue("id")); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// JSON shapes.

type conversationJSON struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Model        string    `json:"model"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	MessageCount int       `json:"messageCount"`
	TokensIn     int64     `json:"tokensIn"`
	TokensOut    int64     `json:"tokensOut"`
	Cost         string    `json:"cost"`
}

func conversationOf(c *ai.Conversation) conversationJSON {
	return conversationJSON{ID: c.ID, Title: c.Title, Model: c.Model, CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
		MessageCount: c.MessageCount, TokensIn: c.TokensIn, TokensOut: c.TokensOut, Cost: c.Cost.String()}
}

type citationJSON struct {
	DocumentID   string `json:"documentId"`
	DocumentName string `json:"documentName"`
	Chunk        int    `json:"chunk"`
}

type messageJSON struct {
	ID             string         `json:"id"`
	ConversationID string         `json:"conversationId"`
	Seq            int            `json:"seq"`
	Role           ai.Role        `json:"role"`
	Content        string         `json:"content"`
	State          ai.State       `json:"state"`
	Model          *string        `json:"model"`
	TokensIn       int            `json:"tokensIn"`
	TokensOut      int            `json:"tokensOut"`
	Cost           string         `json:"cost"`
	Error          *string        `json:"error"`
	Cached         bool           `json:"cached"`
	Citations      []citationJSON `json:"citations"`
	CreatedAt      time.Time      `json:"createdAt"`
	CompletedAt    *time.Time     `json:"completedAt"`
}

func messageOf(m *ai.Message) messageJSON {
	out := messageJSON{ID: m.ID, ConversationID: m.ConversationID, Seq: m.Seq, Role: m.Role, Content: m.Content,
		State: m.State, Model: nullString(m.Model), TokensIn: m.TokensIn, TokensOut: m.TokensOut, Cost: m.Cost.String(),
		Error: nullString(m.Error), Cached: m.Cached, Citations: make([]citationJSON, len(m.Citations)),
		CreatedAt: m.CreatedAt.UTC()}
	for i, c := range m.Citations {
		out.Citations[i] = citationJSON{DocumentID: c.DocumentID, DocumentName: c.DocumentName, Chunk: c.ChunkSeq}
	}
	if m.CompletedAt != nil {
		t := m.CompletedAt.UTC()
		out.CompletedAt = &t
	}
	return out
}

type documentJSON struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	ContentType    string    `json:"contentType"`
	Size           int64     `json:"size"`
	ChunkCount     int       `json:"chunkCount"`
	EmbeddingModel *string   `json:"embeddingModel"`
	CreatedAt      time.Time `json:"createdAt"`
}

func documentOf(d *ai.Document) documentJSON {
	return documentJSON{ID: d.ID, Name: d.Name, ContentType: d.ContentType, Size: d.Size, ChunkCount: d.ChunkCount,
		EmbeddingModel: nullString(d.EmbeddingModel), CreatedAt: d.CreatedAt.UTC()}
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Package gqlserver builds the benchmark subgraphs' GraphQL handler: gqlgen's server with
// POST only, an LRU cache of parsed documents, introspection on (federation's _service
// needs it), and a lean write of successful answers.
package gqlserver

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// New returns the GraphQL handler of an executable schema.
func New(es graphql.ExecutableSchema) http.Handler {
	srv := handler.New(es)
	srv.AddTransport(leanPOST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	return srv
}

// leanPOST is gqlgen's POST transport, except that an answer with data and nothing else is
// written as {"data":<data>} directly: gqlgen's own transport passes the whole response
// through encoding/json, which validates and compacts the (already compact) data again, a
// large share of a subgraph's time on the benchmark's big answers. Anything else (a bad
// body, an operation error, errors in the answer) is left to gqlgen's transport.
type leanPOST struct{ transport.POST }

func (t leanPOST) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.POST.Do(w, r, exec) // reports the read error
		return
	}
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&params) != nil {
		t.retry(w, r, body, exec)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	ctx := r.Context()
	rc, opErr := exec.CreateOperationContext(ctx, &params)
	if opErr != nil {
		t.retry(w, r, body, exec)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	w.Header().Set("Content-Type", contentType(r.Header.Get("Accept")))
	if len(resp.Errors) == 0 && resp.Data != nil && resp.Label == "" && resp.Path == nil &&
		resp.HasNext == nil && len(resp.Extensions) == 0 {
		_, _ = io.WriteString(w, `{"data":`)
		_, _ = w.Write(resp.Data)
		_, _ = io.WriteString(w, "}")
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(b)
}

// retry hands the request, body restored, to gqlgen's transport for its error answer.
func (t leanPOST) retry(w http.ResponseWriter, r *http.Request, body []byte, exec graphql.GraphExecutor) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	t.POST.Do(w, r, exec)
}

// contentType is the first of application/json and application/graphql-response+json that
// accept allows (application/json when it allows anything, or says nothing).
func contentType(accept string) string {
	for part := range strings.SplitSeq(accept, ",") {
		media, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch media {
		case "application/json", "*/*", "application/*":
			return "application/json"
		case "application/graphql-response+json":
			return media
		}
	}
	return "application/json"
}

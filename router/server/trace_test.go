package server_test

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// span is what the test needs of an exported span.
type span struct {
	service, name           string
	traceID, spanID, parent string
}

// otlpCollector receives OTLP/HTTP protobuf trace exports, like an OpenTelemetry Collector.
type otlpCollector struct {
	mu    sync.Mutex
	spans []span
}

func (c *otlpCollector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req collectortrace.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		service := ""
		for _, a := range rs.GetResource().GetAttributes() {
			if a.Key == "service.name" {
				service = a.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.ScopeSpans {
			for _, sp := range ss.Spans {
				c.spans = append(c.spans, span{
					service: service, name: sp.Name,
					traceID: hex.EncodeToString(sp.TraceId), spanID: hex.EncodeToString(sp.SpanId),
					parent: hex.EncodeToString(sp.ParentSpanId),
				})
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

// TestTracesConnectRouterAndSubgraphs: the subgraphs' server spans are descendants of the
// router's server span, in one trace.
func TestTracesConnectRouterAndSubgraphs(t *testing.T) {
	collector := &otlpCollector{}
	srv := httptest.NewServer(collector)
	defer srv.Close()
	s := startStackWithEnv(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL}, nil)
	token, _ := s.signup(t, "Tracy")
	s.addTodo(t, token, "traced")
	r := s.post(t, `{ todos { nodes { title owner { name } } } }`, nil, call{token: token})
	if len(r.Errors) > 0 {
		t.Fatalf("query: %s", r.Raw)
	}
	// Stopping flushes every service's exporter.
	s.router.Stop()
	s.todos.Stop()
	s.auth.Stop()

	collector.mu.Lock()
	defer collector.mu.Unlock()
	byID := map[string]span{}
	for _, sp := range collector.spans {
		byID[sp.spanID] = sp
	}
	// rootOf walks up the parents that were exported.
	rootOf := func(sp span) span {
		for sp.parent != "" {
			p, ok := byID[sp.parent]
			if !ok {
				break
			}
			sp = p
		}
		return sp
	}
	// The last router root span with subgraph descendants is the query above.
	found := map[string]bool{}
	for _, sp := range collector.spans {
		if sp.service != "auth" && sp.service != "todos" || sp.parent == "" {
			continue
		}
		root := rootOf(sp)
		if root.service == "router" && root.traceID == sp.traceID && root.spanID != sp.spanID {
			if p, ok := byID[sp.parent]; ok && p.service == "router" {
				found[sp.service] = true
			}
		}
	}
	if !found["auth"] || !found["todos"] {
		t.Fatalf("want auth and todos server spans whose parents are router spans; got %d spans: %+v", len(collector.spans), collector.spans)
	}
}

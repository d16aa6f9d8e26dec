package server

import (
	"net/http"

	"github.com/cespare/xxhash/v2"
)

// subgraphHeaders are the headers every subgraph request of one client request carries:
// the caller's authorization, the request id, and the client's address and User-Agent
// (X-Forwarded-For holds just the address resolved here, so a subgraph, which only the
// router can call, believes it). Their hash keys the engine's
// deduplication of identical in-flight subgraph fetches, so only requests made with the
// same credentials share a fetch.
type subgraphHeaders struct {
	h    http.Header
	hash uint64
}

func newSubgraphHeaders(authorization, requestID, clientIP, userAgent string) *subgraphHeaders {
	h := http.Header{}
	if clientIP != "" {
		h.Set("X-Forwarded-For", clientIP)
	}
	if userAgent != "" {
		h.Set("User-Agent", userAgent)
	}
	if authorization != "" {
		h.Set("Authorization", authorization)
	}
	if requestID != "" {
		h.Set("X-Request-Id", requestID)
	}
	return &subgraphHeaders{h: h, hash: xxhash.Sum64String("authorization:" + authorization)}
}

// ForSubgraph returns a copy for each fetch: the engine's HTTP client adds to the header
// map it is given, and fetches of one request run in parallel.
func (s *subgraphHeaders) ForSubgraph(string) (http.Header, uint64) { return s.h.Clone(), s.hash }
func (s *subgraphHeaders) Hash() uint64                             { return s.hash }

package transport

import (
	"mime"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql/playground"
)

// WantsPlayground tells whether a GET request comes from a browser asking for a page
// rather than a GraphQL result.
func WantsPlayground(r *http.Request) bool {
	if r.Method != http.MethodGet || r.URL.Query().Has("query") || r.URL.Query().Has("extensions") {
		return false
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mt == "text/html" {
			return true
		}
	}
	return false
}

// Playground serves GraphiQL for the endpoint; subscriptions go over the same path as a
// websocket (graphql-transport-ws). GraphiQL's scripts load from a CDN.
func Playground(endpoint string) http.Handler {
	return playground.Handler("fedstack GraphQL playground", endpoint)
}

// Package bench holds the router benchmark's fixtures: the four subgraphs of the
// graphql-gateways-benchmark (./subgraphs, run by ./cmd/bench-subgraphs), the router's
// config for them (supergraph.yaml), the benchmark's nested query (query.graphql) and a
// single-subgraph query (single.graphql) with their exact expected responses
// (expected.json, single-expected.json, written by ./cmd/bench-expected). Its test runs
// both queries through the router under concurrency and checks every answer.
package bench

//go:generate go run ./cmd/bench-expected query.graphql expected.json single.graphql single-expected.json

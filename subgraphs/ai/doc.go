// Package ai is the domain of the ai subgraph: conversations, messages streamed from a
// language model, the model registry with prices, token and cost accounting, per-role
// limits, and the knowledge base of the user's own documents. It does no I/O itself:
// storage lives in ./postgres, model providers in ./llm, the GraphQL layer in ./graph, the
// REST routes in ./rest and the wiring in ./server.
package ai

// Package platform is the root of the shared server plumbing used by the router and every
// subgraph: configuration (config), structured logs (logging), traces (telemetry), Prometheus
// metrics (metrics), readiness checks (health), HTTP serving with graceful shutdown
// (httpserver), coded errors (errs), the gqlgen handler (gqlserver), JWT verification
// (authn), router-to-subgraph trust (servicetrust), Redis (redisconn, pubsub), PostgreSQL
// (postgres) and test helpers (platformtest).
package platform

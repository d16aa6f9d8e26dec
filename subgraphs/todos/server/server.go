// Package server wires the todos subgraph: configuration, storage (MongoDB wire, embedded
// FerretDB by default), Redis, JWT verification, and the HTTP routes.
package server

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"fedstack/dataloaders"
	"fedstack/platform/authn"
	"fedstack/platform/config"
	"fedstack/platform/gqlserver"
	"fedstack/platform/health"
	"fedstack/platform/httpserver"
	"fedstack/platform/logging"
	"fedstack/platform/metrics"
	"fedstack/platform/pubsub"
	"fedstack/platform/redisconn"
	"fedstack/platform/servicetrust"
	"fedstack/platform/telemetry"

	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/embeddedmongo"
	"fedstack/subgraphs/todos/graph"
	"fedstack/subgraphs/todos/mongo"
	"fedstack/subgraphs/todos/realtime"
	"fedstack/subgraphs/todos/rest"
)

// Service is the service name in logs, metrics and traces.
const Service = "todos"

// Defaults (development).
const (
	defaultPort      = 4003
	defaultRedisURL  = "redis://127.0.0.1:6379/0"
	defaultJWKSURL   = "http://127.0.0.1:4001/.well-known/jwks.json"
	defaultIssuer    = "fedstack-auth"
	defaultAudience  = "fedstack"
	defaultDatabase  = "fedstack_todos"
	defaultSQLiteDir = ".data/ferretdb"

	// DevInternalSecret is the development value of INTERNAL_SECRET; it must equal the
	// router's. Production refuses it.
	DevInternalSecret = servicetrust.DevSecret
)

// Config is the service configuration, read from the environment.
type Config struct {
	Production     bool
	Port           int
	LogLevel       string
	RedisURL       string
	InternalSecret string
	JWKSURL        string
	Issuer         string
	Audience       string
	MongoURI       string // empty: embedded FerretDB
	MongoDatabase  string
	SQLiteDir      string // embedded FerretDB's SQLite directory
	PostgresURL    string // embedded FerretDB's PostgreSQL backend, when set
}

// LoadConfig reads the configuration and reports every problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	env := config.New(getenv)
	c := Config{
		Production:     env.Production(),
		Port:           env.Int("PORT", defaultPort),
		LogLevel:       env.String("LOG_LEVEL", "info"),
		RedisURL:       env.String("REDIS_URL", defaultRedisURL),
		InternalSecret: env.Secret("INTERNAL_SECRET", DevInternalSecret),
		JWKSURL:        env.String("JWKS_URL", defaultJWKSURL),
		Issuer:         env.String("JWT_ISSUER", defaultIssuer),
		Audience:       env.String("JWT_AUDIENCE", defaultAudience),
		MongoURI:       env.String("MONGODB_URI", ""),
		MongoDatabase:  env.String("MONGODB_DATABASE", defaultDatabase),
		SQLiteDir:      env.String("FERRETDB_SQLITE_DIR", defaultSQLiteDir),
		PostgresURL:    env.String("FERRETDB_POSTGRES_URL", ""),
	}
	if err := env.Err(); err != nil {
		return Config{}, err
	}
	if c.Port < 0 || c.Port > 65535 {
		return Config{}, fmt.Errorf("configuration: PORT=%d is not a TCP port", c.Port)
	}
	return c, nil
}

// Run runs the todos subgraph until ctx is done, then stops everything it started (HTTP
// server and websockets, Redis, the database connection, the embedded FerretDB) and returns
// nil after a clean shutdown. Logs go to stdout as JSON.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet(Service, flag.ContinueOnError)
	fs.SetOutput(stdout)
	if len(args) > 0 {
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return fmt.Errorf("unexpected arguments: %v (configure the service with environment variables)", fs.Args())
		}
	}

	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	logger := logging.New(stdout, Service, cfg.LogLevel)

	tel, err := telemetry.Setup(ctx, Service, config.New(getenv))
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tel.Shutdown(sctx); err != nil {
			logger.Warn("telemetry shutdown", "error", err)
		}
	}()

	mongoURI := cfg.MongoURI
	if mongoURI == "" {
		ferret, err := embeddedmongo.Start(embeddedmongo.Config{
			SQLiteDir:   cfg.SQLiteDir,
			PostgresURL: cfg.PostgresURL,
			// FerretDB logs every failed command at warn (including the driver's endSessions,
			// which it does not implement, at each disconnect); our own logs already report
			// the failures that matter, so keep its errors only.
			Logger: logging.New(stdout, Service, "error").With("component", "ferretdb"),
		})
		if err != nil {
			return fmt.Errorf("%w (or set MONGODB_URI to use a MongoDB server)", err)
		}
		defer ferret.Stop() // after the database connection closes (defers run last-in, first-out)
		mongoURI = ferret.URI()
		logger.Info("embedded FerretDB started", "backend", ferret.Backend(), "uri", mongoURI)
	}

	db, err := mongo.Open(ctx, mongoURI, cfg.MongoDatabase)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := db.Close(cctx); err != nil {
			logger.Warn("closing the database connection", "error", err)
		}
	}()

	rdb, err := redisconn.Open(ctx, cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	broker := pubsub.New(rdb, logger)
	defer broker.Close()

	// Tokens of ended sessions are refused here too, not only at the router.
	ended := authn.NewEndedSessions(rdb, logger)
	if err := ended.Listen(ctx, broker); err != nil {
		return fmt.Errorf("following session terminations: %w", err)
	}
	verifier := authn.NewVerifier(authn.VerifierOptions{
		JWKSURL:    cfg.JWKSURL,
		Issuer:     cfg.Issuer,
		Audience:   cfg.Audience,
		HTTPClient: &http.Client{Timeout: 5 * time.Second, Transport: tel.Transport(nil)},
		Ended:      ended,
	})

	svc := todos.NewService(todos.ServiceConfig{
		Store:  mongo.NewTodoStore(db),
		Stats:  mongo.NewStatsStore(db),
		Feed:   realtime.New(rdb, broker, realtime.Options{Logger: logger}),
		Logger: logger,
	})
	h := New(Deps{
		Logger:         logger,
		Telemetry:      tel,
		Metrics:        metrics.NewRegistry(),
		Todos:          svc,
		Verifier:       verifier,
		InternalSecret: cfg.InternalSecret,
		Production:     cfg.Production,
		Database:       db,
		Redis:          rdb,
	})
	return httpserver.Serve(ctx, ":"+strconv.Itoa(cfg.Port), h, logger)
}

// Deps are what the HTTP handler needs.
type Deps struct {
	Logger    *slog.Logger
	Telemetry *telemetry.Telemetry // nil: no tracing middleware
	Metrics   *prometheus.Registry // nil: a fresh registry
	// Todos is the todo service (its ChangeFeed carries changes to subscribers).
	Todos          *todos.Service
	Verifier       *authn.Verifier
	InternalSecret string
	Production     bool
	// Readiness checks; nil ones are skipped.
	Database interface{ Ping(context.Context) error }
	Redis    *redis.Client
}

// New returns the service's HTTP handler; every route is here.
//
//	/graphql   the router only (servicetrust), HTTP and graphql-transport-ws websockets
//	/api/todos REST routes (package rest), reached through the edge with a bearer token
//	/health    liveness
//	/ready     readiness: database and Redis
//	/metrics   Prometheus
func New(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = metrics.NewRegistry()
	}

	checks := health.New()
	if d.Database != nil {
		checks.Add("mongodb", d.Database.Ping)
	}
	if d.Redis != nil {
		checks.Add("redis", func(ctx context.Context) error { return d.Redis.Ping(ctx).Err() })
	}

	gql := gqlserver.New(
		graph.NewExecutableSchema(graph.NewResolver(d.Todos, d.Logger)),
		gqlserver.Options{Logger: d.Logger, Verifier: d.Verifier, Production: d.Production},
	)
	// Fresh loaders per response as well: a websocket serves many subscription events from
	// one HTTP request, and each must start with an empty cache.
	gql.Use(dataloaders.Extension{})

	mux := http.NewServeMux()
	mux.Handle("/graphql", servicetrust.Middleware(d.InternalSecret)(
		authn.Middleware(d.Verifier)(
			dataloaders.Middleware(gql))))
	api := rest.New(d.Todos, d.Verifier)
	mux.Handle("/api/todos", api)
	mux.Handle("/api/todos/", api)
	mux.Handle("GET /health", checks.LiveHandler())
	mux.Handle("GET /ready", checks.ReadyHandler())
	mux.Handle("GET /metrics", metrics.Handler(d.Metrics))

	var h http.Handler = mux
	h = metrics.Middleware(d.Metrics, Service)(h)
	h = logging.Middleware(d.Logger)(h)
	if d.Telemetry != nil {
		h = d.Telemetry.Middleware(Service)(h)
	}
	return h
}

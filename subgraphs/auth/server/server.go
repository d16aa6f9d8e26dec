// Package server wires the auth subgraph: Run reads the configuration and starts
// every dependency, New puts all HTTP routes in one place.
package server

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"fedstack/platform/authn"
	"fedstack/platform/clientip"
	"fedstack/platform/config"
	"fedstack/platform/gqlserver"
	"fedstack/platform/health"
	"fedstack/platform/httpserver"
	"fedstack/platform/logging"
	"fedstack/platform/metrics"
	platformpg "fedstack/platform/postgres"
	"fedstack/platform/pubsub"
	"fedstack/platform/redisconn"
	"fedstack/platform/servicetrust"
	"fedstack/platform/telemetry"

	"fedstack/subgraphs/auth"
	"fedstack/subgraphs/auth/graph"
	"fedstack/subgraphs/auth/migrations"
	"fedstack/subgraphs/auth/postgres"
	"fedstack/subgraphs/auth/ratelimit"
	"fedstack/subgraphs/auth/rest"
)

// Service is the name used in logs, traces and metrics.
const Service = "auth"

// Defaults for development (see docs/development.md).
const (
	defaultPort        = 4001
	defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/fedstack_auth?sslmode=disable"
	defaultRedisURL    = "redis://127.0.0.1:6379/0"
	defaultIssuer      = "fedstack-auth"
	defaultAudience    = "fedstack"
	// DevInternalSecret is the development value of INTERNAL_SECRET. The router
	// must use the same value.
	DevInternalSecret = servicetrust.DevSecret
)

// Config is what Run reads from the environment.
type Config struct {
	Production     bool
	Port           int
	LogLevel       string
	DatabaseURL    string
	RedisURL       string
	InternalSecret string
	Issuer         string
	Audience       string
	Keys           KeyConfig      // JWT_PRIVATE_KEY, JWT_KEY_*, JWT_ACCESS_TOKEN_TTL (keys.go)
	Identity       IdentityConfig // sessions, refresh tokens, mail, limits (identity.go)
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
		Issuer:         env.String("JWT_ISSUER", defaultIssuer),
		Audience:       env.String("JWT_AUDIENCE", defaultAudience),
	}
	if c.Production {
		c.DatabaseURL = env.Required("DATABASE_URL")
	} else {
		c.DatabaseURL = env.String("DATABASE_URL", defaultDatabaseURL)
	}
	c.Identity = loadIdentityConfig(env)
	keys, keyProblems := loadKeyConfig(env, c.Production)
	c.Keys = keys
	if err := configError(env, keyProblems); err != nil {
		return Config{}, err
	}
	if c.Port < 0 || c.Port > 65535 {
		return Config{}, fmt.Errorf("configuration: PORT=%d is not a TCP port", c.Port)
	}
	return c, nil
}

// Run starts the auth subgraph and blocks until ctx ends (then shuts down
// gracefully) or something fails. args are the command line (args[0] is the
// program); getenv reads the environment; logs go to stdout.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 1 && args[1] == "grant-admin" {
		return runGrantAdmin(ctx, args[2:], getenv, stdout)
	}
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

	pool, err := platformpg.Open(ctx, cfg.DatabaseURL, !cfg.Production)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := platformpg.Migrate(ctx, pool, migrations.FS()); err != nil {
		return fmt.Errorf("migrating the auth database: %w", err)
	}

	rdb, err := redisconn.Open(ctx, cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	broker := pubsub.New(rdb, logger)
	defer broker.Close()

	store := postgres.New(pool)
	signer, err := newKeyring(ctx, cfg, store, logger)
	if err != nil {
		return err
	}
	stopKeys := startKeyRotation(ctx, signer)
	defer stopKeys()
	mailer, outbox, err := newMailer(cfg.Identity, store, logger)
	if err != nil {
		return err
	}
	proxies, err := clientip.Parse(cfg.Identity.TrustedProxies)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	svc := auth.NewService(auth.ServiceConfig{
		Store:     store,
		Tokens:    signer,
		Refresh:   auth.NewRefreshTokens(cfg.Identity.RefreshSecret),
		Hasher:    auth.NewPasswordHasher(runtime.NumCPU()),
		Limiter:   ratelimit.New(rdb, cfg.Identity.RateLimitPrefix),
		Mailer:    mailer,
		Events:    broker,
		Revoke:    redisRevoker{rdb},
		Logger:    logger,
		PublicURL: cfg.Identity.PublicURL,
		Policy:    cfg.Identity.Policy,
	})
	// Tokens of ended sessions are refused here too, not only at the router.
	ended := authn.NewEndedSessions(rdb, logger)
	if err := ended.Listen(ctx, broker); err != nil {
		return fmt.Errorf("following session terminations: %w", err)
	}
	verifier := authn.NewVerifier(authn.VerifierOptions{
		Keys:     signer.Keys,
		Issuer:   cfg.Issuer,
		Audience: cfg.Audience,
		Ended:    ended,
	})

	h := New(Deps{
		Logger:    logger,
		Telemetry: tel,
		Metrics:   metrics.NewRegistry(),
		Auth:      svc,
		Users:     svc,
		Admin:     svc,
		Verifier:  verifier,
		REST: rest.New(rest.Deps{
			Auth: svc, Users: svc, Verifier: verifier, Proxies: proxies,
			PublicURL: cfg.Identity.PublicURL, InsecureCookie: cfg.Identity.InsecureCookie,
			Outbox: outbox, Logger: logger,
		}),
		JWKS:           signer.JWKSHandler(),
		InternalSecret: cfg.InternalSecret,
		Production:     cfg.Production,
		Postgres:       pool,
		Redis:          rdb,
	})
	return httpserver.Serve(ctx, ":"+strconv.Itoa(cfg.Port), h, logger)
}

// Deps are what the HTTP handler needs.
type Deps struct {
	Logger    *slog.Logger
	Telemetry *telemetry.Telemetry
	Metrics   *prometheus.Registry
	Auth      auth.AuthService
	Users     auth.UserService
	Admin     auth.AdminService
	Verifier  *authn.Verifier
	// REST serves /api/auth/ (package rest); nil serves none.
	REST           http.Handler
	JWKS           http.Handler
	InternalSecret string
	Production     bool
	Postgres       *pgxpool.Pool
	Redis          *redis.Client
}

// New returns the auth subgraph's HTTP handler with every route:
//
//	/graphql                router only (servicetrust), optional bearer token (authn)
//	/api/auth/...           REST routes for browsers (package rest), reached through the edge
//	GET /.well-known/jwks.json
//	GET /health, GET /ready (postgres, redis), GET /metrics
func New(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = metrics.NewRegistry()
	}

	checks := health.New()
	if d.Postgres != nil {
		checks.Add("postgres", d.Postgres.Ping)
	}
	if d.Redis != nil {
		checks.Add("redis", func(ctx context.Context) error { return d.Redis.Ping(ctx).Err() })
	}

	gql := gqlserver.New(
		graph.NewExecutableSchema(&graph.Resolver{Auth: d.Auth, UserLookup: d.Users, Admin: d.Admin}),
		gqlserver.Options{Logger: d.Logger, Verifier: d.Verifier, Production: d.Production},
	)

	mux := http.NewServeMux()
	mux.Handle("/graphql", servicetrust.Middleware(d.InternalSecret)(routerClient(authn.Middleware(d.Verifier)(gql))))
	if d.REST != nil {
		mux.Handle("/api/auth/", d.REST)
	}
	mux.Handle("GET /.well-known/jwks.json", d.JWKS)
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

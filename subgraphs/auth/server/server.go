// Package server wires the auth subgraph: Run reads the configuration and starts
// every dependency, New puts all HTTP routes in one place.
package server

import (
	"context"
	"crypto/ed25519"
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
	"fedstack/subgraphs/auth/token"
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
	PrivateKeyPEM  string // empty: the development key kept in the database
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
		c.PrivateKeyPEM = env.Required("JWT_PRIVATE_KEY")
	} else {
		c.DatabaseURL = env.String("DATABASE_URL", defaultDatabaseURL)
		c.PrivateKeyPEM = env.String("JWT_PRIVATE_KEY", "")
	}
	if err := env.Err(); err != nil {
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
	signer, err := newSigner(ctx, cfg, store)
	if err != nil {
		return err
	}
	svc := auth.NewService(auth.ServiceConfig{
		Store:  store,
		Tokens: signer,
		Hasher: auth.NewPasswordHasher(runtime.NumCPU()),
		Events: broker,
		Revoke: redisRevoker{rdb},
		Logger: logger,
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
		Logger:         logger,
		Telemetry:      tel,
		Metrics:        metrics.NewRegistry(),
		Auth:           svc,
		Users:          svc,
		Verifier:       verifier,
		JWKS:           signer.JWKSHandler(),
		InternalSecret: cfg.InternalSecret,
		Production:     cfg.Production,
		Postgres:       pool,
		Redis:          rdb,
	})
	return httpserver.Serve(ctx, ":"+strconv.Itoa(cfg.Port), h, logger)
}

// newSigner loads JWT_PRIVATE_KEY or, without it, the development key kept in
// the database (generated on first start).
func newSigner(ctx context.Context, cfg Config, store *postgres.Store) (*token.Signer, error) {
	opts := token.Options{Issuer: cfg.Issuer, Audience: cfg.Audience}
	if cfg.PrivateKeyPEM != "" {
		priv, err := token.ParsePrivateKeyPEM(cfg.PrivateKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("configuration: %w", err)
		}
		return token.NewSigner(priv, opts)
	}
	stored, err := store.DevSigningKey(ctx, func() (postgres.SigningKey, error) {
		priv, err := token.GenerateKey()
		if err != nil {
			return postgres.SigningKey{}, err
		}
		der, err := token.MarshalPKCS8(priv)
		if err != nil {
			return postgres.SigningKey{}, err
		}
		return postgres.SigningKey{
			KID:        token.Thumbprint(priv.Public().(ed25519.PublicKey)),
			Algorithm:  token.Algorithm,
			PrivateKey: der,
		}, nil
	})
	if err != nil {
		return nil, err
	}
	priv, err := token.ParsePKCS8(stored.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("development signing key %s: %w", stored.KID, err)
	}
	return token.NewSigner(priv, opts)
}

// Deps are what the HTTP handler needs.
type Deps struct {
	Logger         *slog.Logger
	Telemetry      *telemetry.Telemetry
	Metrics        *prometheus.Registry
	Auth           auth.AuthService
	Users          auth.UserService
	Verifier       *authn.Verifier
	JWKS           http.Handler
	InternalSecret string
	Production     bool
	Postgres       *pgxpool.Pool
	Redis          *redis.Client
}

// New returns the auth subgraph's HTTP handler with every route:
//
//	/graphql                router only (servicetrust), optional bearer token (authn)
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
		graph.NewExecutableSchema(&graph.Resolver{Auth: d.Auth, Users: d.Users}),
		gqlserver.Options{Logger: d.Logger, Verifier: d.Verifier, Production: d.Production},
	)

	mux := http.NewServeMux()
	mux.Handle("/graphql", servicetrust.Middleware(d.InternalSecret)(authn.Middleware(d.Verifier)(gql)))
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

// redisRevoker remembers ended sessions in Redis, where routers and subgraphs look.
type redisRevoker struct{ rdb *redis.Client }

func (r redisRevoker) Revoke(ctx context.Context, sessionID string) error {
	return r.rdb.Set(ctx, authn.RevokedSessionKeyPrefix+sessionID, "1", authn.RevokedSessionTTL).Err()
}

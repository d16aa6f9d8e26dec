// Package server wires the router: configuration, composition, the engine, the transports
// and the operational endpoints.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"fedstack/platform/authn"
	"fedstack/platform/clientip"
	"fedstack/platform/config"
	"fedstack/platform/health"
	"fedstack/platform/httpserver"
	"fedstack/platform/logging"
	"fedstack/platform/metrics"
	"fedstack/platform/pubsub"
	"fedstack/platform/redisconn"
	"fedstack/platform/servicetrust"
	"fedstack/platform/telemetry"
	"fedstack/router/compose"
	"fedstack/router/engine"
	"fedstack/router/transport"
)

// DevInternalSecret is the development default of INTERNAL_SECRET; production refuses it.
const DevInternalSecret = servicetrust.DevSecret

// Config is the router's configuration, read from the environment.
type Config struct {
	Production      bool
	Port            string
	LogLevel        string
	SupergraphPath  string
	RedisURL        string
	InternalSecret  string
	JWKSURL         string
	JWTIssuer       string
	JWTAudience     string
	MaxRequestBytes int
	WSInitTimeout   time.Duration
	// WSPingInterval is how often websocket clients are pinged; one that does not answer
	// within it is disconnected (WS_PING_INTERVAL, default 30s).
	WSPingInterval  time.Duration
	SubgraphTimeout time.Duration
	AllowedOrigins  []string
	// PprofAddr, when set, serves net/http/pprof there (keep it on loopback).
	PprofAddr string
	// TrustedProxies lists the peers (the edge) whose X-Forwarded-For is believed when
	// finding the client's address.
	TrustedProxies string
	proxies        *clientip.Resolver
	// DeduplicateQueries resolves identical in-flight queries (same operation, variables
	// and credentials) once and shares the answer.
	DeduplicateQueries bool
}

// clientIP is the address of the client behind the trusted proxies.
func (c *Config) clientIP(r *http.Request) string {
	if c.proxies == nil {
		return (&clientip.Resolver{}).IP(r)
	}
	return c.proxies.IP(r)
}

// LoadConfig reads the configuration and reports every problem at once.
func LoadConfig(getenv func(string) string) (*Config, *config.Env, error) {
	env := config.New(getenv)
	c := &Config{
		Production:      env.Production(),
		Port:            env.String("PORT", "4000"),
		LogLevel:        env.String("LOG_LEVEL", "info"),
		SupergraphPath:  env.String("SUPERGRAPH_CONFIG", "supergraph.yaml"),
		RedisURL:        env.String("REDIS_URL", "redis://127.0.0.1:6379/0"),
		InternalSecret:  env.Secret("INTERNAL_SECRET", DevInternalSecret),
		JWKSURL:         env.String("JWKS_URL", "http://127.0.0.1:4001/.well-known/jwks.json"),
		JWTIssuer:       env.String("JWT_ISSUER", "fedstack-auth"),
		JWTAudience:     env.String("JWT_AUDIENCE", "fedstack"),
		MaxRequestBytes: env.Int("MAX_REQUEST_BYTES", 1<<20),
		WSInitTimeout:   env.Duration("WS_INIT_TIMEOUT", 3*time.Second),
		WSPingInterval:  env.Duration("WS_PING_INTERVAL", 30*time.Second),
		SubgraphTimeout: env.Duration("SUBGRAPH_TIMEOUT", 30*time.Second),
		PprofAddr:       env.String("PPROF_ADDR", ""),
		TrustedProxies:  env.String("TRUSTED_PROXIES", clientip.DefaultTrusted),

		DeduplicateQueries: env.Bool("DEDUPLICATE_QUERIES", true),
	}
	origins := env.String("CORS_ORIGINS", "")
	if origins == "" && !c.Production {
		origins = "*"
	}
	for _, o := range strings.Split(origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.AllowedOrigins = append(c.AllowedOrigins, o)
		}
	}
	if p, err := clientip.Parse(c.TrustedProxies); err != nil {
		env.Invalid("%v", err)
	} else {
		c.proxies = p
	}
	return c, env, env.Err()
}

// Run starts the router and serves until ctx ends. args[1] == "compose" runs the compose
// command instead.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) > 1 && args[1] == "compose" {
		return RunCompose(args[2:], getenv, stdout)
	}
	cfg, env, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	logger := logging.New(stdout, "router", cfg.LogLevel)
	tel, err := telemetry.Setup(ctx, "router", env)
	if err != nil {
		return fmt.Errorf("telemetry: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tel.Shutdown(sctx)
	}()

	sgCfg, err := compose.LoadConfig(cfg.SupergraphPath, getenv)
	if err != nil {
		return err
	}
	start := time.Now()
	sg, err := compose.Compose(sgCfg)
	if err != nil {
		return err
	}
	logger.Info("composed supergraph", "subgraphs", len(sg.Subgraphs), "duration_ms", time.Since(start).Milliseconds())

	if cfg.PprofAddr != "" {
		go httpserver.ServePprof(ctx, cfg.PprofAddr, logger)
	}
	rdb, err := redisconn.Open(ctx, cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	broker := pubsub.New(rdb, logger)
	defer broker.Close()

	reg := metrics.NewRegistry()
	r, err := New(ctx, Deps{Config: cfg, Supergraph: sg, Logger: logger, Telemetry: tel, Registry: reg, Redis: rdb, Broker: broker})
	if err != nil {
		return err
	}
	return httpserver.Serve(ctx, net.JoinHostPort("", cfg.Port), r, logger)
}

// Deps are what the router's handler is built from.
type Deps struct {
	Config     *Config
	Supergraph *compose.Supergraph
	Logger     *slog.Logger
	Telemetry  *telemetry.Telemetry
	Registry   *prometheus.Registry
	// Redis and Broker carry session terminations (see sessions.go).
	Redis  *redis.Client
	Broker *pubsub.Broker
}

// Router is the router's HTTP handler.
type Router struct {
	http.Handler
	engine atomic.Pointer[engine.Engine]
}

// New builds the router's handler with all its routes.
func New(ctx context.Context, d Deps) (*Router, error) {
	cfg := d.Config
	base := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	signed := &signingTransport{base: d.Telemetry.Transport(base), secret: cfg.InternalSecret}
	subgraphClient := &http.Client{Transport: signed, Timeout: cfg.SubgraphTimeout}
	streamingClient := &http.Client{Transport: signed}

	eng, err := engine.New(ctx, d.Supergraph, engine.Options{
		HTTPClient:      subgraphClient,
		StreamingClient: streamingClient,
		Logger:          d.Logger,
		Registerer:      d.Registry,
		NoDeduplication: !cfg.DeduplicateQueries,
	})
	if err != nil {
		return nil, err
	}
	rt := &Router{}
	rt.engine.Store(eng)
	current := func() transport.Executor { return rt.engine.Load() }

	ended := authn.NewEndedSessions(d.Redis, d.Logger)
	if d.Broker != nil {
		if err := ended.Listen(ctx, d.Broker); err != nil {
			return nil, fmt.Errorf("following session terminations: %w", err)
		}
	}
	verifier := authn.NewVerifier(authn.VerifierOptions{
		JWKSURL:  cfg.JWKSURL,
		Issuer:   cfg.JWTIssuer,
		Audience: cfg.JWTAudience,
		Ended:    ended,
	})
	headers := func(r *http.Request, authorization string) engine.Headers {
		return newSubgraphHeaders(authorization, logging.RequestID(r.Context()), cfg.clientIP(r), r.UserAgent())
	}
	httpHandler := &transport.HTTPHandler{
		Engine:       current,
		Headers:      headers,
		MaxBodyBytes: int64(cfg.MaxRequestBytes),
		Logger:       d.Logger,
		RequestID:    logging.RequestID,
	}
	wsHandler := &transport.WSHandler{
		Engine:  current,
		Headers: headers,
		Authenticate: func(ctx context.Context, authorization string) (string, error) {
			if authorization == "" {
				return "", nil
			}
			token, ok := authn.BearerToken(authorization)
			if !ok {
				return "", errors.New("authorization must be \"Bearer <token>\"")
			}
			claims, err := verifier.Verify(ctx, token)
			if err != nil {
				return "", err
			}
			return claims.SessionID, nil
		},
		WatchSession:   ended.Watch,
		InitTimeout:    cfg.WSInitTimeout,
		MaxMessage:     int64(cfg.MaxRequestBytes),
		AllowedOrigins: cfg.AllowedOrigins,
		PingInterval:   cfg.WSPingInterval,
		Logger:         d.Logger,
	}
	if d.Registry != nil {
		if err := d.Registry.Register(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "router_websocket_connections",
			Help: "Websocket connections being served (graphql-transport-ws).",
		}, func() float64 { return float64(wsHandler.OpenConnections()) })); err != nil {
			return nil, fmt.Errorf("registering the websocket gauge: %w", err)
		}
	}
	playground := transport.Playground("/graphql")
	authenticated := authn.Middleware(verifier)(httpHandler)

	graphqlEndpoint := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case transport.IsWebsocket(r):
			wsHandler.ServeHTTP(w, r)
		case transport.WantsPlayground(r) && !cfg.Production:
			playground.ServeHTTP(w, r)
		default:
			authenticated.ServeHTTP(w, r)
		}
	})

	checks := health.New()
	if d.Redis != nil {
		checks.Add("redis", func(ctx context.Context) error { return redisconn.Ping(ctx, d.Redis) })
	}
	checks.Add("supergraph", func(context.Context) error {
		if rt.engine.Load() == nil {
			return errors.New("not composed")
		}
		return nil
	})
	for _, sg := range d.Supergraph.Subgraphs {
		url := sg.RoutingURL
		checks.Add("subgraph "+sg.Name, func(ctx context.Context) error {
			return pingSubgraph(ctx, subgraphClient, url)
		})
	}

	mux := http.NewServeMux()
	mux.Handle("/graphql", cors(cfg.AllowedOrigins, graphqlEndpoint))
	mux.Handle("GET /health", checks.LiveHandler())
	mux.Handle("GET /ready", checks.ReadyHandler())
	mux.Handle("GET /metrics", metrics.Handler(d.Registry))

	var h http.Handler = mux
	h = metrics.Middleware(d.Registry, "router")(h)
	h = logging.Middleware(d.Logger)(h)
	h = d.Telemetry.Middleware("router")(h)
	rt.Handler = h
	return rt, nil
}

// pingSubgraph asks a subgraph for __typename over its signed GraphQL endpoint.
func pingSubgraph(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"query":"{__typename}"}`))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", url, resp.StatusCode)
	}
	return nil
}

// signingTransport signs every subgraph request (HTTP and websocket upgrades) so the
// subgraph knows it comes from the router.
type signingTransport struct {
	base   http.RoundTripper
	secret string
}

func (t *signingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	servicetrust.Sign(r.Header, t.secret)
	return t.base.RoundTrip(r)
}

// cors answers preflight requests and sets the allow headers for allowed origins.
func cors(allowed []string, next http.Handler) http.Handler {
	any := false
	set := map[string]bool{}
	for _, o := range allowed {
		if o == "*" {
			any = true
		}
		set[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && (any || set[origin]) {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
			w.Header().Set("Access-Control-Allow-Credentials", "true")
			if r.Method == http.MethodOptions {
				w.Header().Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Request-Id, traceparent")
				w.Header().Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

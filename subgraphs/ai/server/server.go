// Package server wires the ai subgraph: configuration, PostgreSQL, Redis, the model
// providers, JWT verification, and the HTTP routes.
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

	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/cache"
	"fedstack/subgraphs/ai/graph"
	"fedstack/subgraphs/ai/limits"
	"fedstack/subgraphs/ai/llm"
	"fedstack/subgraphs/ai/migrations"
	"fedstack/subgraphs/ai/postgres"
	"fedstack/subgraphs/ai/rest"
	"fedstack/subgraphs/ai/stream"
)

// Run runs the ai subgraph until ctx is done, then stops everything it started (HTTP
// server and websockets, the generation workers, Redis, PostgreSQL) and returns nil after a
// clean shutdown. Logs go to stdout as JSON.
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
	if cfg.PprofAddr != "" {
		go httpserver.ServePprof(ctx, cfg.PprofAddr, logger)
	}

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
		return err
	}
	store := postgres.New(pool)

	rdb, err := redisconn.Open(ctx, cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	broker := pubsub.New(rdb, logger)
	defer broker.Close()

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

	models, err := setUpModels(ctx, cfg, store, logger, tel)
	if err != nil {
		return err
	}

	chat, err := ai.NewChat(ai.ChatConfig{
		Store:           store,
		Providers:       models.providerFor,
		Log:             stream.New(rdb, broker, stream.Options{Logger: logger}),
		DefaultModel:    models.defaultModel,
		System:          cfg.SystemPrompt,
		Workers:         cfg.Workers,
		QueueLen:        cfg.QueueLen,
		MaxAnswerTokens: cfg.MaxAnswerTokens,
		Limiter:         limits.New(rdb, cfg.RateLimitPrefix),
		Limits:          cfg.Limits,
		Cache:           promptCache(rdb, cfg),
		CacheTTL:        cfg.CacheTTL,
		Stops:           stream.NewStopSignal(broker),
		Knowledge:       models.knowledge,
		Titles:          cfg.Titles,
		Logger:          logger,
	})
	if err != nil {
		return err
	}
	defer chat.Close() // before Redis and PostgreSQL close: it stores what is being generated
	go failStale(ctx, store, cfg.StaleAfter, logger)

	svc := ai.NewService(ai.ServiceConfig{Store: store, Chat: chat, Knowledge: models.knowledge, Logger: logger})
	h := New(Deps{
		Logger:         logger,
		Telemetry:      tel,
		Metrics:        metrics.NewRegistry(),
		AI:             svc,
		Verifier:       verifier,
		InternalSecret: cfg.InternalSecret,
		Production:     cfg.Production,
		Database:       store,
		Redis:          rdb,
	})
	return httpserver.Serve(ctx, ":"+strconv.Itoa(cfg.Port), h, logger)
}

// promptCache is the Redis prompt cache, or nil when AI_CACHE_TTL is 0.
func promptCache(rdb *redis.Client, cfg Config) ai.PromptCache {
	if cfg.CacheTTL <= 0 {
		return nil
	}
	return cache.New(rdb, cfg.RateLimitPrefix)
}

// failStale fails the answers left STREAMING by a worker that died (a crashed instance),
// at start-up and then every minute.
func failStale(ctx context.Context, store *postgres.Store, after time.Duration, logger *slog.Logger) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		n, err := store.FailStale(ctx, time.Now().Add(-after), "the server stopped while answering; regenerate to try again")
		switch {
		case err != nil && ctx.Err() == nil:
			logger.Warn("failing stale answers", "error", err)
		case n > 0:
			logger.Info("failed stale answers", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// modelSetup is what the providers offer: which provider serves a model, the default
// model, and the knowledge base with its embeddings provider.
type modelSetup struct {
	offline      *llm.Offline
	remote       llm.Provider // nil without LLM_BASE_URL
	defaultModel string
	knowledge    *ai.Knowledge
}

func (m *modelSetup) providerFor(model *ai.Model) (llm.Provider, error) {
	if model.Offline || model.Provider == offlineProvider {
		return m.offline, nil
	}
	if m.remote == nil {
		return nil, ai.ErrNoProvider(model.ID)
	}
	return m.remote, nil
}

// Provider names in the model registry.
const (
	offlineProvider = "offline"
	remoteProvider  = "openai"
)

// setUpModels registers the offline model and the provider's models (keeping the prices
// administrators set), and chooses the default model.
func setUpModels(ctx context.Context, cfg Config, store *postgres.Store, logger *slog.Logger, tel *telemetry.Telemetry) (*modelSetup, error) {
	m := &modelSetup{offline: llm.NewOffline()}
	m.offline.ChunkDelay = cfg.OfflineChunkDelay
	entries := []ai.Model{{ID: llm.OfflineModelID, Provider: offlineProvider, DisplayName: llm.OfflineModelName,
		ContextWindow: llm.ContextWindow(llm.OfflineModelID), Enabled: true, Offline: true}}
	embedder, embeddingModel := llm.Provider(m.offline), llm.OfflineModelID
	if cfg.LLMBaseURL != "" {
		// Streams are long-lived: no client timeout; requests end with their context.
		p, err := llm.NewOpenAI(cfg.LLMBaseURL, cfg.LLMAPIKey, llm.WithHTTPClient(&http.Client{Transport: tel.Transport(nil)}))
		if err != nil {
			return nil, err
		}
		m.remote = p
		embedder, embeddingModel = p, cfg.EmbeddingModel
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		listed, err := p.Models(lctx)
		cancel()
		if err != nil {
			// The registry keeps what earlier starts found; the provider may come up later.
			logger.Warn("listing the provider's models failed; using the registry as stored", "base_url", cfg.LLMBaseURL, "error", err)
		}
		for _, lm := range listed {
			in, out := priceOf(lm.ID)
			entries = append(entries, ai.Model{ID: lm.ID, Provider: remoteProvider, DisplayName: lm.Name,
				InputPrice: in, OutputPrice: out, ContextWindow: lm.ContextWindow, Enabled: true})
			if cfg.DefaultModel == "" && m.defaultModel == "" && !isEmbeddingModel(lm.ID) {
				m.defaultModel = lm.ID
			}
		}
	}
	added, err := store.AddModels(ctx, entries)
	if err != nil {
		return nil, fmt.Errorf("registering models: %w", err)
	}
	switch {
	case cfg.DefaultModel != "":
		m.defaultModel = cfg.DefaultModel
	case m.defaultModel == "" && cfg.LLMBaseURL != "":
		// The provider listed nothing usable: take a registered remote model if any.
		ms, err := store.Models(ctx, true)
		if err != nil {
			return nil, err
		}
		for _, r := range ms {
			if !r.Offline {
				m.defaultModel = r.ID
				break
			}
		}
	}
	if m.defaultModel == "" {
		m.defaultModel = llm.OfflineModelID
	}
	if _, err := store.Model(ctx, m.defaultModel); err != nil {
		return nil, fmt.Errorf("AI_DEFAULT_MODEL=%q is not a registered model (the provider does not list it)", m.defaultModel)
	}
	if embeddingModel != "" {
		m.knowledge = ai.NewKnowledge(ai.KnowledgeConfig{Store: store, Embedder: embedder, EmbeddingModel: embeddingModel, Logger: logger})
	} else {
		m.knowledge = ai.NewKnowledge(ai.KnowledgeConfig{Store: store, Logger: logger})
	}
	logger.Info("models ready", "default_model", m.defaultModel, "registered_now", added,
		"provider", map[bool]string{true: cfg.LLMBaseURL, false: "offline built-in model only"}[cfg.LLMBaseURL != ""],
		"embedding_model", embeddingModel)
	return m, nil
}

// Deps are what the HTTP handler needs.
type Deps struct {
	Logger         *slog.Logger
	Telemetry      *telemetry.Telemetry // nil: no tracing middleware
	Metrics        *prometheus.Registry // nil: a fresh registry
	AI             *ai.Service
	Verifier       *authn.Verifier
	InternalSecret string
	Production     bool
	// Readiness checks; nil ones are skipped.
	Database interface{ Ping(context.Context) error }
	Redis    *redis.Client
}

// New returns the service's HTTP handler; every route is here.
//
//	/graphql  the router only (servicetrust), HTTP and graphql-transport-ws websockets
//	/api/ai   REST routes (package rest), reached through the edge with a bearer token
//	/health   liveness
//	/ready    readiness: PostgreSQL and Redis
//	/metrics  Prometheus
func New(d Deps) http.Handler {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Metrics == nil {
		d.Metrics = metrics.NewRegistry()
	}
	checks := health.New()
	if d.Database != nil {
		checks.Add("postgres", d.Database.Ping)
	}
	if d.Redis != nil {
		checks.Add("redis", func(ctx context.Context) error { return d.Redis.Ping(ctx).Err() })
	}

	gql := gqlserver.New(
		graph.NewExecutableSchema(graph.NewResolver(d.AI, d.Logger)),
		gqlserver.Options{Logger: d.Logger, Verifier: d.Verifier, Production: d.Production},
	)
	mux := http.NewServeMux()
	mux.Handle("/graphql", servicetrust.Middleware(d.InternalSecret)(authn.Middleware(d.Verifier)(gql)))
	api := rest.New(d.AI, d.Verifier)
	mux.Handle("/api/ai", api)
	mux.Handle("/api/ai/", api)
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

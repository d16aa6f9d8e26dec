package server

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"fedstack/platform/config"
	"fedstack/platform/servicetrust"
	"fedstack/subgraphs/ai"
)

// Service is the service name in logs, metrics and traces.
const Service = "ai"

// Defaults (development).
const (
	defaultPort        = 4002
	defaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/fedstack_ai?sslmode=disable"
	defaultRedisURL    = "redis://127.0.0.1:6379/0"
	defaultJWKSURL     = "http://127.0.0.1:4001/.well-known/jwks.json"
	defaultIssuer      = "fedstack-auth"
	defaultAudience    = "fedstack"
	// defaultEmbeddingModel is asked of an OpenAI-compatible provider; one that does not
	// serve it (404) leaves the knowledge base on full-text search.
	defaultEmbeddingModel = "text-embedding-3-small"
	defaultSystemPrompt   = "You are a helpful assistant. Answer clearly and concisely; use Markdown for lists and code."

	// DevInternalSecret is the development value of INTERNAL_SECRET; it must equal the
	// router's. Production refuses it.
	DevInternalSecret = servicetrust.DevSecret
)

// Config is the service configuration, read from the environment.
type Config struct {
	Production     bool
	Port           int
	LogLevel       string
	DatabaseURL    string
	RedisURL       string
	InternalSecret string
	JWKSURL        string
	Issuer         string
	Audience       string

	// LLMBaseURL and LLMAPIKey reach an OpenAI-compatible provider; with no base URL only
	// the offline built-in model answers.
	LLMBaseURL string
	LLMAPIKey  string
	// DefaultModel answers when a message names none ("" = the provider's first model,
	// or the offline model).
	DefaultModel    string
	EmbeddingModel  string // "" = full-text search only
	SystemPrompt    string
	Workers         int
	QueueLen        int
	MaxAnswerTokens int
	CacheTTL        time.Duration // 0 turns the prompt cache off
	Titles          bool
	Limits          ai.Limits
	// RateLimitPrefix namespaces the limit and cache keys in Redis.
	RateLimitPrefix string
	// StaleAfter is how long an answer may stay STREAMING before it is failed as left by
	// a dead worker.
	StaleAfter time.Duration
	// OfflineChunkDelay paces the offline model's chunks.
	OfflineChunkDelay time.Duration
	// PprofAddr, when set, serves net/http/pprof there (keep it on loopback).
	PprofAddr string
}

// LoadConfig reads the configuration and reports every problem at once.
func LoadConfig(getenv func(string) string) (Config, error) {
	env := config.New(getenv)
	c := Config{
		Production:        env.Production(),
		Port:              env.Int("PORT", defaultPort),
		LogLevel:          env.String("LOG_LEVEL", "info"),
		RedisURL:          env.String("REDIS_URL", defaultRedisURL),
		InternalSecret:    env.Secret("INTERNAL_SECRET", DevInternalSecret),
		JWKSURL:           env.String("JWKS_URL", defaultJWKSURL),
		Issuer:            env.String("JWT_ISSUER", defaultIssuer),
		Audience:          env.String("JWT_AUDIENCE", defaultAudience),
		LLMBaseURL:        strings.TrimSpace(env.String("LLM_BASE_URL", "")),
		LLMAPIKey:         env.String("LLM_API_KEY", ""),
		DefaultModel:      strings.TrimSpace(env.String("AI_DEFAULT_MODEL", "")),
		SystemPrompt:      env.String("AI_SYSTEM_PROMPT", defaultSystemPrompt),
		Workers:           env.Int("AI_WORKERS", 64),
		QueueLen:          env.Int("AI_QUEUE", 256),
		MaxAnswerTokens:   env.Int("AI_MAX_ANSWER_TOKENS", 1024),
		CacheTTL:          env.Duration("AI_CACHE_TTL", time.Hour),
		Titles:            env.Bool("AI_TITLES", true),
		RateLimitPrefix:   env.String("RATE_LIMIT_PREFIX", ""),
		StaleAfter:        env.Duration("AI_STALE_AFTER", 15*time.Minute),
		OfflineChunkDelay: env.Duration("AI_OFFLINE_CHUNK_DELAY", 15*time.Millisecond),
		PprofAddr:         env.String("PPROF_ADDR", ""),
	}
	if c.Production {
		c.DatabaseURL = env.Required("DATABASE_URL")
	} else {
		c.DatabaseURL = env.String("DATABASE_URL", defaultDatabaseURL)
	}
	c.EmbeddingModel = strings.TrimSpace(env.String("AI_EMBEDDING_MODEL", defaultEmbeddingModel))
	if c.LLMBaseURL != "" {
		if u, err := url.Parse(c.LLMBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			env.Invalid("LLM_BASE_URL=%q is not an http(s) URL; write it like https://api.openai.com/v1 or http://127.0.0.1:11434/v1", c.LLMBaseURL)
		}
	}
	c.Limits = ai.Limits{}
	for _, role := range []string{ai.UserRoleUser, ai.UserRolePro, ai.UserRoleAdmin} {
		def := ai.DefaultLimits[role]
		c.Limits[role] = ai.RoleLimits{
			MessagesPerMinute: env.Int("AI_"+role+"_MESSAGES_PER_MINUTE", def.MessagesPerMinute),
			TokensPerDay:      int64(env.Int("AI_"+role+"_TOKENS_PER_DAY", int(def.TokensPerDay))),
		}
		if l := c.Limits[role]; l.MessagesPerMinute < 0 || l.TokensPerDay < 0 {
			env.Invalid("AI_%s_MESSAGES_PER_MINUTE and AI_%s_TOKENS_PER_DAY must not be negative (0 = no limit)", role, role)
		}
	}
	if c.Workers < 1 || c.QueueLen < 0 {
		env.Invalid("AI_WORKERS must be at least 1 and AI_QUEUE at least 0")
	}
	if c.MaxAnswerTokens < 16 {
		env.Invalid("AI_MAX_ANSWER_TOKENS=%d is too small; use at least 16", c.MaxAnswerTokens)
	}
	if err := env.Err(); err != nil {
		return Config{}, err
	}
	if c.Port < 0 || c.Port > 65535 {
		return Config{}, fmt.Errorf("configuration: PORT=%d is not a TCP port", c.Port)
	}
	return c, nil
}

// Package aitest builds a real ai.Service for the ai subgraph's tests: a fresh PostgreSQL
// database with the migrations applied, real Redis carrying the answers' stream log, and a
// local server speaking the OpenAI protocol (llmtest) reached through go-openai. The model
// "test-model" is registered at $2 and $8 per million input and output tokens.
package aitest

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/platformtest"
	"fedstack/platform/pubsub"
	"fedstack/platform/redisconn"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/llm"
	"fedstack/subgraphs/ai/llm/llmtest"
	"fedstack/subgraphs/ai/migrations"
	"fedstack/subgraphs/ai/postgres"
	"fedstack/subgraphs/ai/stream"
)

// Model is the registered model the local server answers for.
const Model = "test-model"

// Env is a running ai.Service and what it is made of.
type Env struct {
	Store    *postgres.Store
	LLM      *llmtest.Server
	Provider llm.Provider
	Redis    *redis.Client
	Broker   *pubsub.Broker
	Log      *stream.Log
	Chat     *ai.Chat
	Service  *ai.Service
}

// New starts an Env; everything stops when the test ends. The local server answers as opts
// say (Models defaults to Model). The Chat has 2 workers, 4 queue places, Model as default
// and stores streaming text every 10 ms; configure, when not nil, changes its configuration
// before it starts. The Service's knowledge base is the Chat's, or one on full-text search.
func New(t testing.TB, opts llmtest.Options, configure func(*Env, *ai.ChatConfig)) *Env {
	t.Helper()
	ctx := context.Background()
	e := &Env{Store: postgres.New(platformtest.MigratedPool(t, migrations.FS()))}
	var err error
	if _, err := e.Store.SaveModel(ctx, ai.Model{ID: Model, Provider: "openai", DisplayName: "Test",
		InputPrice: 2 * ai.Dollar, OutputPrice: 8 * ai.Dollar, ContextWindow: 8192, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	if e.Redis, err = redisconn.Open(ctx, platformtest.RedisURL(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Redis.Close() })
	e.Broker = pubsub.New(e.Redis, nil)
	t.Cleanup(func() { _ = e.Broker.Close() })
	e.Log = stream.New(e.Redis, e.Broker, stream.Options{CheckInterval: 200 * time.Millisecond})
	if opts.Models == nil {
		opts.Models = []string{Model}
	}
	e.LLM = llmtest.Start(t, opts)
	if e.Provider, err = llm.NewOpenAI(e.LLM.URL(), ""); err != nil {
		t.Fatal(err)
	}
	cfg := ai.ChatConfig{Store: e.Store, Provider: e.Provider, Log: e.Log, DefaultModel: Model,
		Workers: 2, QueueLen: 4, FlushInterval: 10 * time.Millisecond}
	if configure != nil {
		configure(e, &cfg)
	}
	if e.Chat, err = ai.NewChat(cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Chat.Close)
	knowledge := cfg.Knowledge
	if knowledge == nil {
		knowledge = ai.NewKnowledge(ai.KnowledgeConfig{Store: e.Store})
	}
	e.Service = ai.NewService(ai.ServiceConfig{Store: e.Store, Chat: e.Chat, Knowledge: knowledge})
	return e
}

package ai_test

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"fedstack/platform/errs"
	"fedstack/platform/platformtest"
	"fedstack/platform/pubsub"
	"fedstack/platform/redisconn"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/cache"
	"fedstack/subgraphs/ai/limits"
	"fedstack/subgraphs/ai/llm/llmtest"
	"fedstack/subgraphs/ai/stream"
)

// answer sends content as caller, follows the answer to its end and returns it as stored.
func answer(t *testing.T, env *chatEnv, caller ai.Caller, in ai.SendInput) *ai.Message {
	t.Helper()
	ctx := context.Background()
	ex, err := env.Chat.Send(ctx, caller, in)
	if err != nil {
		t.Fatalf("send %q: %v", in.Content, err)
	}
	ch, err := env.Chat.Follow(ctx, caller.UserID, ex.Assistant.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, done := collect(t, ch, nil); done == nil {
		t.Fatal("no end")
	}
	m, err := env.Store.Message(ctx, caller.UserID, ex.Assistant.ID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func rateLimited(t *testing.T, what string, err error) time.Duration {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.RateLimited || e.RetryAfter <= 0 {
		t.Fatalf("%s: %v, want RATE_LIMITED with a retry time", what, err)
	}
	return e.RetryAfter
}

// TestChatLimitsPerRole: past the per-minute limit of their role a user gets RATE_LIMITED
// with a retry time and nothing is stored; a PRO user has the higher limit.
func TestChatLimitsPerRole(t *testing.T) {
	env := newChatWith(t, llmtest.Options{Models: []string{"test-model"}}, func(env *chatEnv, c *ai.ChatConfig) {
		c.Workers, c.QueueLen = 4, 16
		c.Limiter = limits.New(env.Redis, "test:"+rand.Text()+":")
		c.Limits = ai.Limits{ai.UserRoleUser: {MessagesPerMinute: 2}, ai.UserRolePro: {MessagesPerMinute: 4}}
	})
	ctx := context.Background()
	for _, tc := range []struct {
		caller ai.Caller
		limit  int
	}{{ai.Caller{UserID: "ursula", Role: ai.UserRoleUser}, 2}, {ai.Caller{UserID: "petra", Role: ai.UserRolePro}, 4}} {
		for i := range tc.limit {
			answer(t, env, tc.caller, ai.SendInput{Content: "question " + string(rune('a'+i))})
		}
		_, err := env.Chat.Send(ctx, tc.caller, ai.SendInput{Content: "one too many"})
		if retry := rateLimited(t, tc.caller.Role+" past the limit", err); retry > time.Minute {
			t.Errorf("retry after %v: more than the window", retry)
		}
		if !strings.Contains(err.Error(), "messages a minute") {
			t.Errorf("message %q does not say the limit", err)
		}
		page, _ := env.Store.Conversations(ctx, tc.caller.UserID, ai.Page{})
		if len(page.Conversations) != tc.limit {
			t.Errorf("%s: %d conversations stored, want %d", tc.caller.Role, len(page.Conversations), tc.limit)
		}
		st, err := env.Chat.LimitStatus(ctx, tc.caller)
		if err != nil || st.MessagesLeft != 0 || st.MessagesPerMinute != tc.limit {
			t.Errorf("status %+v %v", st, err)
		}
	}
}

// TestChatTokensPerDay: once the day's tokens are used up, sends are refused until
// midnight UTC.
func TestChatTokensPerDay(t *testing.T) {
	env := newChatWith(t, llmtest.Options{Models: []string{"test-model"}, PromptTokens: 8, CompletionTokens: 5},
		func(env *chatEnv, c *ai.ChatConfig) {
			c.Limiter = limits.New(env.Redis, "test:"+rand.Text()+":")
			c.Limits = ai.Limits{ai.UserRoleUser: {TokensPerDay: 10}}
		})
	caller := ai.Caller{UserID: "tom", Role: ai.UserRoleUser}
	answer(t, env, caller, ai.SendInput{Content: "spend"})
	_, err := env.Chat.Send(context.Background(), caller, ai.SendInput{Content: "more"})
	retry := rateLimited(t, "past the day's tokens", err)
	if untilMidnight := ai.Day(time.Now()).AddDate(0, 0, 1).Sub(time.Now()); retry > untilMidnight+time.Second || retry < untilMidnight-time.Minute {
		t.Errorf("retry after %v, want about %v (midnight UTC)", retry, untilMidnight)
	}
	st, _ := env.Chat.LimitStatus(context.Background(), caller)
	if st.TokensToday != 13 {
		t.Errorf("tokens today %d, want 13", st.TokensToday)
	}
}

// TestChatCachesSingleTurnPrompts: the same first message to the same model is answered
// from the cache, says so and costs nothing; a follow-up in a conversation is not.
func TestChatCachesSingleTurnPrompts(t *testing.T) {
	env := newChatWith(t, llmtest.Options{Models: []string{"test-model"}, PromptTokens: 100, CompletionTokens: 50},
		func(env *chatEnv, c *ai.ChatConfig) {
			c.Cache = cache.New(env.Redis, "test:"+rand.Text()+":")
			c.CacheTTL = time.Minute
		})
	alice := ai.Caller{UserID: "alice", Role: ai.UserRoleUser}
	question := "What is the capital of France? " + rand.Text() // unique per run: the Redis is shared
	first := answer(t, env, alice, ai.SendInput{Content: question})
	if first.Cached || first.Cost == 0 {
		t.Fatalf("first answer %+v", first)
	}
	chats := func() int {
		n := 0
		for _, r := range env.LLM.Requests() {
			if r.Path == "/v1/chat/completions" {
				n++
			}
		}
		return n
	}
	before := chats()
	second := answer(t, env, ai.Caller{UserID: "bob", Role: ai.UserRoleUser}, ai.SendInput{Content: question})
	if !second.Cached || second.Content != first.Content || second.Cost != 0 || second.State != ai.StateComplete {
		t.Fatalf("second answer %+v, want the first's text from the cache", second)
	}
	if chats() != before {
		t.Error("the provider was asked again")
	}
	// A follow-up carries history: not single-turn, not cached.
	third := answer(t, env, alice, ai.SendInput{ConversationID: first.ConversationID, Content: question})
	if third.Cached || chats() != before+1 {
		t.Errorf("follow-up cached=%v", third.Cached)
	}
}

// TestChatStopAcrossInstances: an answer generated by one instance is stopped through
// another; it is stored STOPPED with the text so far.
func TestChatStopAcrossInstances(t *testing.T) {
	var stopsA ai.StopSignal
	env := newChatWith(t, llmtest.Options{Models: []string{"test-model"}, Text: strings.Repeat("word ", 300),
		ChunkInterval: 20 * time.Millisecond}, func(env *chatEnv, c *ai.ChatConfig) {
		stopsA = stream.NewStopSignal(env.Broker)
		c.Stops = stopsA
	})
	ctx := context.Background()
	// Instance B: its own Redis connection and broker, the same database and log.
	rdb, err := redisconn.Open(ctx, platformtest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	broker := pubsub.New(rdb, nil)
	t.Cleanup(func() { _ = broker.Close() })
	b, err := ai.NewChat(ai.ChatConfig{Store: env.Store, Provider: env.Provider, Log: stream.New(rdb, broker, stream.Options{}),
		DefaultModel: "test-model", Stops: stream.NewStopSignal(broker)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)

	alice := ai.Caller{UserID: "alice", Role: ai.UserRoleUser}
	ex, err := env.Chat.Send(ctx, alice, ai.SendInput{Content: "Talk for a while"})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := b.Follow(ctx, "alice", ex.Assistant.ID, 0) // followed through B too
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	for ev := range ch {
		got.WriteString(ev.Text)
		if got.Len() >= 30 {
			break
		}
	}
	msg, err := b.Stop(ctx, "alice", ex.Assistant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if msg.State != ai.StateStopped || len(msg.Content) < 30 || len(msg.Content) >= 1500 {
		t.Fatalf("stopped through B: %s %d bytes", msg.State, len(msg.Content))
	}
	if _, err := b.Stop(ctx, "mallory", ex.Assistant.ID); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("another user's stop: %v", err)
	}
}

// TestChatTitlesNewConversations: after the first answer the model names the conversation;
// a conversation the user renamed meanwhile keeps their title.
func TestChatTitlesNewConversations(t *testing.T) {
	env := newChatWith(t, llmtest.Options{Models: []string{"test-model"}, Reply: func(r llmtest.Request) string {
		if strings.HasPrefix(r.Messages[0].Content, "Write a title") {
			return `"Reactor temperatures."`
		}
		return "It runs hot."
	}}, func(_ *chatEnv, c *ai.ChatConfig) { c.Titles = true })
	ctx := context.Background()
	alice := ai.Caller{UserID: "alice", Role: ai.UserRoleUser}
	m := answer(t, env, alice, ai.SendInput{Content: "how hot does the reactor run"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := env.Store.Conversation(ctx, "alice", m.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if c.Title == "Reactor temperatures" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("title %q after 5 s", c.Title)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Usage counts the title's tokens too.
	u, err := env.Store.UsageOf(ctx, "alice", ai.Day(time.Now()), ai.Day(time.Now()))
	if err != nil || len(u) != 1 || u[0].TokensIn <= int64(m.TokensIn) {
		t.Errorf("usage %+v %v", u, err)
	}
}

// TestChatProviderFailures: a rate-limited provider, a stream cut in the middle and a slow
// first token each end the answer as they should, through the real OpenAI client.
func TestChatProviderFailures(t *testing.T) {
	alice := ai.Caller{UserID: "alice", Role: ai.UserRoleUser}
	t.Run("429", func(t *testing.T) {
		env := newChat(t, llmtest.Options{Models: []string{"test-model"}, Status: 429, RetryAfter: 7 * time.Second}, 1, 1)
		m := answer(t, env, alice, ai.SendInput{Content: "hello"})
		if m.State != ai.StateFailed || !strings.Contains(m.Error, "rate limiting") || !strings.Contains(m.Error, "7 s") {
			t.Fatalf("%s %q", m.State, m.Error)
		}
	})
	t.Run("cut in the middle", func(t *testing.T) {
		env := newChat(t, llmtest.Options{Models: []string{"test-model"}, Chunks: []string{"one", " two", " three", " four", " five"},
			CutAfter: 3}, 1, 1)
		m := answer(t, env, alice, ai.SendInput{Content: "count"})
		if m.State != ai.StateFailed || m.Content != "one two three" || !strings.Contains(m.Error, "cut off") || m.TokensOut == 0 {
			t.Fatalf("%s %q %q out=%d", m.State, m.Content, m.Error, m.TokensOut)
		}
	})
	t.Run("slow first token", func(t *testing.T) {
		env := newChat(t, llmtest.Options{Models: []string{"test-model"}, FirstTokenDelay: 300 * time.Millisecond, Text: "late but whole"}, 1, 1)
		m := answer(t, env, alice, ai.SendInput{Content: "take your time"})
		if m.State != ai.StateComplete || m.Content != "late but whole" {
			t.Fatalf("%s %q", m.State, m.Content)
		}
		// Stopped before its first token: STOPPED and empty, nothing paid for the answer.
		env.LLM.Update(func(o *llmtest.Options) { o.FirstTokenDelay = 5 * time.Second })
		ex, err := env.Chat.Send(context.Background(), alice, ai.SendInput{Content: "never mind"})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		stopped, err := env.Chat.Stop(context.Background(), "alice", ex.Assistant.ID)
		if err != nil || stopped.State != ai.StateStopped || stopped.Content != "" || stopped.TokensOut != 0 {
			t.Fatalf("stop before the first token: %+v %v", stopped, err)
		}
	})
}

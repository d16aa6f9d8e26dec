package server_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"fedstack/platform/platformtest"
	"fedstack/subgraphs/ai/llm/llmtest"
	"fedstack/subgraphs/ai/server"
)

func TestConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		want []string
	}{
		"production without secrets": {map[string]string{"APP_ENV": "production"}, []string{"DATABASE_URL", "INTERNAL_SECRET"}},
		"bad provider URL":           {map[string]string{"LLM_BASE_URL": "localhost:11434"}, []string{"LLM_BASE_URL", "http(s) URL"}},
		"negative limit":             {map[string]string{"AI_PRO_MESSAGES_PER_MINUTE": "-1"}, []string{"AI_PRO_MESSAGES_PER_MINUTE"}},
		"no workers":                 {map[string]string{"AI_WORKERS": "0"}, []string{"AI_WORKERS"}},
	} {
		_, err := server.LoadConfig(func(k string) string { return tc.env[k] })
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not mention %s", name, err, w)
			}
		}
	}
	c, err := server.LoadConfig(func(string) string { return "" })
	if err != nil || c.Port != 4002 || c.LLMBaseURL != "" || c.Limits["PRO"].MessagesPerMinute <= c.Limits["USER"].MessagesPerMinute {
		t.Errorf("defaults %+v %v", c, err)
	}
}

type modelRow struct {
	in, out int64
	offline bool
}

func models(t *testing.T, dbURL string) map[string]modelRow {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT id, input_price_micros, output_price_micros, offline FROM models`)
	out := map[string]modelRow{}
	for rows.Next() {
		var id string
		var r modelRow
		if err := rows.Scan(&id, &r.in, &r.out, &r.offline); err != nil {
			t.Fatal(err)
		}
		out[id] = r
	}
	return out
}

func exec(t *testing.T, dbURL, sql string, args ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql, args...); err != nil {
		t.Fatal(err)
	}
}

// TestStartUp: the service registers the offline model and the provider's models with
// known prices, keeps an administrator's prices across restarts, starts when the provider
// is down, refuses an unknown default model, and fails answers a dead instance left
// streaming.
func TestStartUp(t *testing.T) {
	dbURL := platformtest.PostgresURL(t)
	provider := llmtest.Start(t, llmtest.Options{Models: []string{"text-embedding-3-small", "gpt-4o-mini", "llama3.2:3b"}})
	env := map[string]string{"DATABASE_URL": dbURL, "REDIS_URL": platformtest.RedisURL(t), "LLM_BASE_URL": provider.URL(), "LOG_LEVEL": "info"}
	svc := platformtest.Start(t, server.Run, env)
	ms := models(t, dbURL)
	if len(ms) != 4 || !ms["fedstack-offline"].offline || ms["gpt-4o-mini"].in != 150_000 || ms["gpt-4o-mini"].out != 600_000 ||
		ms["llama3.2:3b"].in != 0 {
		t.Fatalf("registry %+v", ms)
	}
	if !strings.Contains(svc.Output(), `"default_model":"gpt-4o-mini"`) {
		t.Errorf("default model is not the first chat model listed:\n%s", svc.Output())
	}
	svc.Stop()

	// An administrator's price stays; a dead instance's answer is failed at start-up; the
	// provider is down.
	exec(t, dbURL, `UPDATE models SET input_price_micros = 42 WHERE id = 'llama3.2:3b'`)
	exec(t, dbURL, `INSERT INTO conversations (id, owner_id, title, model, last_seq, message_count)
	                VALUES ('00000000-0000-0000-0000-000000000001', 'u1', 't', 'gpt-4o-mini', 2, 2)`)
	exec(t, dbURL, `INSERT INTO messages (conversation_id, owner_id, seq, role, content, state, model, created_at, completed_at, search)
	                VALUES ('00000000-0000-0000-0000-000000000001', 'u1', 1, 'USER', 'hi', 'COMPLETE', '', now() - interval '1 hour', now(), to_tsvector('hi')),
	                       ('00000000-0000-0000-0000-000000000001', 'u1', 2, 'ASSISTANT', 'half an ans', 'STREAMING', 'gpt-4o-mini', now() - interval '1 hour', NULL, NULL)`)
	provider.Close()
	env["AI_STALE_AFTER"] = "10m"
	svc = platformtest.Start(t, server.Run, env)
	if ms := models(t, dbURL); ms["llama3.2:3b"].in != 42 || len(ms) != 4 {
		t.Errorf("after restart %+v", ms)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		var state, reason string
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		err = conn.QueryRow(ctx, `SELECT state, error FROM messages WHERE seq = 2`).Scan(&state, &reason)
		conn.Close(ctx)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		if state == "FAILED" && reason != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stale answer still %s", state)
		}
		time.Sleep(50 * time.Millisecond)
	}
	svc.Stop()

	env["AI_DEFAULT_MODEL"] = "no-such-model"
	env["APP_ENV"], env["PORT"] = "test", "0"
	err := server.Run(context.Background(), nil, func(k string) string { return env[k] }, new(strings.Builder))
	if err == nil || !strings.Contains(err.Error(), "AI_DEFAULT_MODEL") {
		t.Errorf("unknown default model: %v", err)
	}
}

package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"fedstack/platform/errs"
	"fedstack/platform/platformtest"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/migrations"
	"fedstack/subgraphs/ai/postgres"
)

// newStore returns a Store on a fresh, migrated database, and its pool.
func newStore(t *testing.T) (*postgres.Store, *pgxpool.Pool) {
	t.Helper()
	pool := platformtest.MigratedPool(t, migrations.FS())
	return postgres.New(pool), pool
}

func wantCode(t *testing.T, what string, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("%s: err = %v, want %s", what, err, code)
	}
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func start(t *testing.T, s *postgres.Store, owner, convID, content string) *ai.Exchange {
	t.Helper()
	ex, err := s.StartExchange(context.Background(), ai.NewExchange{OwnerID: owner, ConversationID: convID,
		Title: ai.DefaultTitle(content), Model: "gpt-test", Content: content})
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

func finish(t *testing.T, s *postgres.Store, id string, text string, in, out int, cost ai.Micros) *ai.Message {
	t.Helper()
	m, err := s.FinishMessage(context.Background(), ai.Finish{MessageID: id, State: ai.StateComplete, Content: &text,
		TokensIn: in, TokensOut: out, Cost: cost})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestChatFlow(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)

	ex, err := s.StartExchange(ctx, ai.NewExchange{OwnerID: "ada", Title: "Bread", System: "Be brief.", Model: "gpt-test", Content: "How do I bake sourdough?"})
	if err != nil {
		t.Fatal(err)
	}
	c, u, a := ex.Conversation, ex.User, ex.Assistant
	if c.ID == "" || c.OwnerID != "ada" || c.Title != "Bread" || c.Model != "gpt-test" || c.MessageCount != 3 {
		t.Fatalf("conversation = %+v", c)
	}
	if u.Seq != 2 || u.Role != ai.RoleUser || u.State != ai.StateComplete || u.CompletedAt == nil || u.Content != "How do I bake sourdough?" {
		t.Fatalf("user message = %+v", u)
	}
	if a.Seq != 3 || a.Role != ai.RoleAssistant || a.State != ai.StateStreaming || a.Content != "" || a.Model != "gpt-test" || a.CompletedAt != nil {
		t.Fatalf("assistant message = %+v", a)
	}

	// A second exchange while one streams is refused, and stores nothing.
	_, err = s.StartExchange(ctx, ai.NewExchange{OwnerID: "ada", ConversationID: c.ID, Model: "gpt-test", Content: "again"})
	wantCode(t, "second streaming answer", err, errs.Conflict)
	if n := count(t, pool, `SELECT count(*) FROM messages`); n != 3 {
		t.Fatalf("%d messages after a refused exchange, want 3", n)
	}

	// Chunks append; offsets are byte lengths.
	for i, chunk := range []string{"Mix ", "flour, ", "water, starter."} {
		n, err := s.AppendContent(ctx, a.ID, chunk)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{4, 11, 26}[i]; n != want {
			t.Fatalf("offset after chunk %d = %d, want %d", i, n, want)
		}
	}
	// Finish without Content keeps the appended text.
	m, err := s.FinishMessage(ctx, ai.Finish{MessageID: a.ID, State: ai.StateComplete, TokensIn: 20, TokensOut: 6, Cost: 7,
		Citations: []ai.Citation{{DocumentID: "d", DocumentName: "Bread.md", ChunkSeq: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if m.State != ai.StateComplete || m.Content != "Mix flour, water, starter." || m.TokensIn != 20 || m.TokensOut != 6 || m.Cost != 7 ||
		m.CompletedAt == nil || len(m.Citations) != 1 || m.Citations[0].DocumentName != "Bread.md" {
		t.Fatalf("finished = %+v", m)
	}
	// Finishing twice is a CONFLICT (usage counted once); appending after the end too.
	_, err = s.FinishMessage(ctx, ai.Finish{MessageID: a.ID, State: ai.StateStopped})
	wantCode(t, "second finish", err, errs.Conflict)
	_, err = s.AppendContent(ctx, a.ID, "more")
	wantCode(t, "append after finish", err, errs.Conflict)
	_, err = s.AppendContent(ctx, "00000000-0000-0000-0000-000000000000", "x")
	wantCode(t, "append to unknown", err, errs.NotFound)

	// Next exchange; then stop it midway, and fail one.
	ex2 := start(t, s, "ada", c.ID, "And the oven temperature?")
	if ex2.User.Seq != 4 || ex2.Assistant.Seq != 5 {
		t.Fatalf("seqs = %d, %d", ex2.User.Seq, ex2.Assistant.Seq)
	}
	if _, err := s.AppendContent(ctx, ex2.Assistant.ID, "250 °C"); err != nil {
		t.Fatal(err)
	}
	m, err = s.FinishMessage(ctx, ai.Finish{MessageID: ex2.Assistant.ID, State: ai.StateStopped, TokensIn: 30, TokensOut: 3, Cost: 5})
	if err != nil || m.State != ai.StateStopped || m.Content != "250 °C" {
		t.Fatalf("stopped = %+v, %v", m, err)
	}
	ex3 := start(t, s, "ada", c.ID, "Thanks!")
	m, err = s.FinishMessage(ctx, ai.Finish{MessageID: ex3.Assistant.ID, State: ai.StateFailed, Error: "the model provider answered 500"})
	if err != nil || m.State != ai.StateFailed || m.Error != "the model provider answered 500" {
		t.Fatalf("failed = %+v, %v", m, err)
	}

	msgs, err := s.Messages(ctx, "ada", c.ID, ai.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var roles []string
	for i, m := range msgs {
		if m.Seq != i+1 {
			t.Fatalf("message %d has seq %d", i, m.Seq)
		}
		roles = append(roles, string(m.Role)[:1]+string(m.State)[:1])
	}
	if got := strings.Join(roles, " "); got != "SC UC AC UC AS UC AF" {
		t.Fatalf("messages = %s", got)
	}
	if msgs[5].Content != "Thanks!" || msgs[5].State != ai.StateComplete {
		t.Fatalf("the user's message next to a failed answer = %+v", msgs[5])
	}
	last, err := s.Messages(ctx, "ada", c.ID, ai.MessageQuery{Before: 7, Last: 2})
	if err != nil || len(last) != 2 || last[0].Seq != 5 || last[1].Seq != 6 {
		t.Fatalf("last two before 7 = %v, %v", last, err)
	}

	c, err = s.Conversation(ctx, "ada", c.ID)
	if err != nil || c.TokensIn != 50 || c.TokensOut != 9 || c.Cost != 12 || c.MessageCount != 7 {
		t.Fatalf("conversation totals = %+v, %v", c, err)
	}

	// Regenerate the last answer: the failed one goes, a new streaming one comes.
	rg, err := s.Regenerate(ctx, "ada", c.ID, "gpt-other", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rg.User.Seq != 6 || rg.User.Content != "Thanks!" || rg.Assistant.Seq != 8 || rg.Assistant.State != ai.StateStreaming ||
		rg.Assistant.Model != "gpt-other" || rg.Conversation.MessageCount != 7 || rg.Conversation.Model != "gpt-other" {
		t.Fatalf("regenerate = %+v / %+v / %+v", rg.Conversation, rg.User, rg.Assistant)
	}
	_, err = s.Regenerate(ctx, "ada", c.ID, "gpt-other", nil)
	wantCode(t, "regenerate while streaming", err, errs.Conflict)
	finish(t, s, rg.Assistant.ID, "You're welcome.", 1, 1, 0)

	// Edit the last user message and resend.
	edited := "Thanks a lot!"
	rg, err = s.Regenerate(ctx, "ada", c.ID, "gpt-test", &edited)
	if err != nil || rg.User.Content != edited || rg.User.Seq != 6 || rg.Assistant.Seq != 9 {
		t.Fatalf("edit = %+v, %v", rg, err)
	}
	bad := ""
	_, err = s.Regenerate(ctx, "ada", c.ID, "gpt-test", &bad)
	wantCode(t, "edit to empty", err, errs.Invalid)

	// A worker that died leaves a streaming message: FailStale ends it.
	n, err := s.FailStale(ctx, time.Now().Add(time.Hour), "interrupted; regenerate the answer")
	if err != nil || n != 1 {
		t.Fatalf("FailStale = %d, %v", n, err)
	}
	got, err := s.Message(ctx, "ada", rg.Assistant.ID)
	if err != nil || got.State != ai.StateFailed || got.Error != "interrupted; regenerate the answer" {
		t.Fatalf("stale = %+v, %v", got, err)
	}

	// Rename keeps the order; delete cascades.
	r, err := s.Rename(ctx, "ada", c.ID, "  Sourdough\nbasics ")
	if err != nil || r.Title != "Sourdough basics" {
		t.Fatalf("rename = %+v, %v", r, err)
	}
	_, err = s.Rename(ctx, "ada", c.ID, " ")
	wantCode(t, "empty title", err, errs.Invalid)
	if err := s.DeleteConversation(ctx, "ada", c.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, `SELECT count(*) FROM messages`); n != 0 {
		t.Fatalf("%d messages left after delete", n)
	}
	_, err = s.Conversation(ctx, "ada", c.ID)
	wantCode(t, "deleted conversation", err, errs.NotFound)
}

func TestInvalidExchangeStoresNothing(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	for _, in := range []ai.NewExchange{
		{OwnerID: "ada", Title: "x", Model: "m", Content: "  "},
		{OwnerID: "ada", Title: "x", Model: "m", Content: strings.Repeat("a", ai.MaxMessageChars+1)},
		{OwnerID: "ada", Title: "", Model: "m", Content: "hi"},
	} {
		_, err := s.StartExchange(ctx, in)
		wantCode(t, "bad exchange", err, errs.Invalid)
	}
	// A failure inside the transaction (the system message violates no rule, but the
	// user message is not UTF-8 for PostgreSQL) rolls the new conversation back.
	_, err := s.StartExchange(ctx, ai.NewExchange{OwnerID: "ada", Title: "x", System: "sys\x00tem", Model: "m", Content: "hi"})
	if err == nil {
		t.Fatal("NUL in a system message was stored")
	}
	if n := count(t, pool, `SELECT (SELECT count(*) FROM conversations) + (SELECT count(*) FROM messages)`); n != 0 {
		t.Fatalf("%d rows stored half-way", n)
	}
}

func TestOwnership(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	ex := start(t, s, "ada", "", "A private question about zebras")
	finish(t, s, ex.Assistant.ID, "A private answer", 1, 1, 1)
	id := ex.Conversation.ID

	notFound := func(what string, err error) {
		t.Helper()
		wantCode(t, what, err, errs.NotFound)
		var e *errs.Error
		if errors.As(err, &e) && e.Message != ai.ErrConversationNotFound && e.Message != ai.ErrMessageNotFound {
			t.Fatalf("%s: message %q", what, e.Message)
		}
	}
	_, err := s.Conversation(ctx, "bob", id)
	notFound("Conversation", err)
	_, err = s.Messages(ctx, "bob", id, ai.MessageQuery{})
	notFound("Messages", err)
	_, err = s.Message(ctx, "bob", ex.User.ID)
	notFound("Message", err)
	_, err = s.StartExchange(ctx, ai.NewExchange{OwnerID: "bob", ConversationID: id, Model: "m", Content: "mine now"})
	notFound("StartExchange", err)
	_, err = s.Regenerate(ctx, "bob", id, "m", nil)
	notFound("Regenerate", err)
	_, err = s.Rename(ctx, "bob", id, "hijacked")
	notFound("Rename", err)
	notFound("DeleteConversation", s.DeleteConversation(ctx, "bob", id))
	// Malformed ids answer the same.
	_, err = s.Conversation(ctx, "ada", "not-a-uuid")
	notFound("malformed id", err)
	_, err = s.Conversation(ctx, "ada", "00000000-0000-0000-0000-000000000000")
	notFound("unknown id", err)

	page, err := s.Conversations(ctx, "bob", ai.Page{})
	if err != nil || len(page.Conversations) != 0 {
		t.Fatalf("bob's list = %+v, %v", page, err)
	}
	hits, err := s.Search(ctx, "bob", "zebras", 10)
	if err != nil || len(hits) != 0 {
		t.Fatalf("bob's search = %+v, %v", hits, err)
	}
	if n := count(t, pool, `SELECT count(*) FROM messages WHERE conversation_id = $1`, id); n != 2 {
		t.Fatalf("ada's conversation has %d messages after bob's attempts", n)
	}
	c, err := s.Conversation(ctx, "ada", id)
	if err != nil || c.Title != ex.Conversation.Title {
		t.Fatalf("ada's conversation = %+v, %v", c, err)
	}
}

func TestConversationsPagination(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	var ids []string
	for i := range 7 {
		ex := start(t, s, "ada", "", fmt.Sprintf("question %d", i))
		finish(t, s, ex.Assistant.ID, "answer", 1, 1, 0)
		ids = append(ids, ex.Conversation.ID)
	}
	start(t, s, "bob", "", "not ada's")
	// Activity moves a conversation to the front.
	finish(t, s, start(t, s, "ada", ids[2], "more").Assistant.ID, "ok", 1, 1, 0)

	var got []string
	after := ""
	for pages := 0; ; pages++ {
		p, err := s.Conversations(ctx, "ada", ai.Page{First: 3, After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Conversations {
			got = append(got, c.ID)
		}
		if !p.HasNextPage {
			if pages != 2 || len(p.Conversations) != 1 {
				t.Fatalf("last page %d has %d", pages, len(p.Conversations))
			}
			break
		}
		after = p.EndCursor
	}
	want := []string{ids[2], ids[6], ids[5], ids[4], ids[3], ids[1], ids[0]}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("order = %v\nwant    %v", got, want)
	}
	_, err := s.Conversations(ctx, "ada", ai.Page{After: "garbage"})
	wantCode(t, "bad cursor", err, errs.Invalid)
}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	a := start(t, s, "ada", "", "Planning a trip")
	finish(t, s, a.Assistant.ID, "Consider visiting the Dolomites in September; the hiking is quiet.", 1, 1, 0)
	b := start(t, s, "ada", "", "Hiking boots")
	finish(t, s, b.Assistant.ID, "Buy boots half a size larger.", 1, 1, 0)
	start(t, s, "ada", "", "Unrelated cooking") // still streaming: its answer is not indexed

	hits, err := s.Search(ctx, "ada", "dolomites", 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("search dolomites = %+v, %v", hits, err)
	}
	h := hits[0]
	if h.Conversation.ID != a.Conversation.ID || h.MessageID != a.Assistant.ID || !strings.Contains(h.Snippet, "«Dolomites»") {
		t.Fatalf("hit = %+v", h)
	}
	// Stemming: "hike" finds "hiking"; the title match ranks first.
	hits, err = s.Search(ctx, "ada", "hike", 10)
	if err != nil || len(hits) != 2 {
		t.Fatalf("search hike = %+v, %v", hits, err)
	}
	if hits[0].Conversation.ID != b.Conversation.ID || hits[0].MessageID != "" || hits[0].Snippet != "«Hiking» boots" ||
		hits[1].Conversation.ID != a.Conversation.ID || hits[0].Rank < hits[1].Rank {
		t.Fatalf("ranked = %+v / %+v", hits[0], hits[1])
	}
	// Web-search syntax: a phrase and an excluded word.
	hits, err = s.Search(ctx, "ada", `hiking -boots`, 10)
	if err != nil || len(hits) != 1 || hits[0].Conversation.ID != a.Conversation.ID {
		t.Fatalf("search hiking -boots = %+v, %v", hits, err)
	}
	hits, err = s.Search(ctx, "ada", "the", 10) // only a stop word
	if err != nil || len(hits) != 0 {
		t.Fatalf("stop word = %+v, %v", hits, err)
	}
	_, err = s.Search(ctx, "ada", " ", 10)
	wantCode(t, "empty search", err, errs.Invalid)
}

func TestUsageAndCost(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	price := ai.Model{ID: "gpt-test", Provider: "openai", InputPrice: 150_000, OutputPrice: 600_000, ContextWindow: 8192}
	if _, err := s.SaveModel(ctx, price); err != nil {
		t.Fatal(err)
	}
	m, err := s.Model(ctx, "gpt-test")
	if err != nil {
		t.Fatal(err)
	}
	today := ai.Day(time.Now())
	var total ai.Micros
	for _, tok := range [][2]int{{1000, 500}, {7, 3}, {123_456, 7_890}} {
		ex := start(t, s, "ada", "", "hi")
		cost := m.Cost(int64(tok[0]), int64(tok[1]))
		total += cost
		got := finish(t, s, ex.Assistant.ID, "hello", tok[0], tok[1], cost)
		if got.Cost != cost {
			t.Fatalf("stored cost %d, want %d", got.Cost, cost)
		}
	}
	// 450 + 3 (1.05+1.8=2.85→3) + 23252 (18518.4+4734=23252.4→23252)
	if total != 450+3+23_252 {
		t.Fatalf("total = %d", total)
	}
	// A failed answer adds its tokens but is not counted as a message.
	ex := start(t, s, "ada", "", "hi")
	if _, err := s.FinishMessage(ctx, ai.Finish{MessageID: ex.Assistant.ID, State: ai.StateFailed, TokensIn: 10, Error: "cut"}); err != nil {
		t.Fatal(err)
	}
	// Another model, another user, and an earlier day through AddUsage.
	ex = start(t, s, "bob", "", "hi")
	if _, err := s.FinishMessage(ctx, ai.Finish{MessageID: ex.Assistant.ID, State: ai.StateComplete, TokensIn: 5, TokensOut: 5, Cost: 2}); err != nil {
		t.Fatal(err)
	}
	yesterday := today.AddDate(0, 0, -1)
	if err := s.AddUsage(ctx, ai.Usage{OwnerID: "ada", Day: yesterday.Add(23 * time.Hour), Model: "offline", Messages: 2, TokensIn: 40, TokensOut: 60}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddUsage(ctx, ai.Usage{OwnerID: "ada", Day: yesterday, Model: "offline", Messages: 1, TokensIn: 1, TokensOut: 1}); err != nil {
		t.Fatal(err)
	}

	us, err := s.UsageOf(ctx, "ada", yesterday, today)
	if err != nil || len(us) != 2 {
		t.Fatalf("UsageOf = %+v, %v", us, err)
	}
	if u := us[0]; !u.Day.Equal(yesterday) || u.Model != "offline" || u.Messages != 3 || u.TokensIn != 41 || u.TokensOut != 61 || u.Cost != 0 {
		t.Fatalf("yesterday = %+v", u)
	}
	if u := us[1]; !u.Day.Equal(today) || u.Model != "gpt-test" || u.Messages != 3 || u.TokensIn != 124_473 || u.TokensOut != 8_393 || u.Cost != total {
		t.Fatalf("today = %+v (cost want %d)", u, total)
	}
	if us, err := s.UsageOf(ctx, "ada", today.AddDate(0, 0, 1), today.AddDate(0, 0, 2)); err != nil || len(us) != 0 {
		t.Fatalf("future = %+v, %v", us, err)
	}
	tot, err := s.UsageTotals(ctx, yesterday, today)
	if err != nil || len(tot) != 2 {
		t.Fatalf("UsageTotals = %+v, %v", tot, err)
	}
	if u := tot[1]; u.OwnerID != "" || u.Model != "gpt-test" || u.Messages != 4 || u.TokensIn != 124_478 || u.Cost != total+2 {
		t.Fatalf("today's total = %+v", u)
	}
}

func TestConcurrentFinishCountsOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	ex := start(t, s, "ada", "", "hi")
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 8 {
		wg.Go(func() {
			if _, err := s.FinishMessage(ctx, ai.Finish{MessageID: ex.Assistant.ID, State: ai.StateComplete, TokensIn: 1, TokensOut: 1, Cost: 1}); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			} else if errs.CodeOf(err) != errs.Conflict {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	us, err := s.UsageOf(ctx, "ada", time.Now(), time.Now())
	if ok != 1 || err != nil || len(us) != 1 || us[0].Messages != 1 || us[0].Cost != 1 {
		t.Fatalf("%d finishes succeeded; usage %+v, %v", ok, us, err)
	}
}

func TestModelRegistry(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
	n, err := s.AddModels(ctx, []ai.Model{
		{ID: "offline", Provider: "offline", DisplayName: "Offline (built-in)", ContextWindow: 4096, Enabled: true, Offline: true},
		{ID: "gpt-4o-mini", Provider: "openai", ContextWindow: 128_000, Enabled: true},
	})
	if err != nil || n != 2 {
		t.Fatalf("AddModels = %d, %v", n, err)
	}
	// An administrator sets prices; a later listing from the endpoint keeps them.
	if _, err := s.SaveModel(ctx, ai.Model{ID: "gpt-4o-mini", Provider: "openai", DisplayName: "GPT-4o mini",
		InputPrice: 150_000, OutputPrice: 600_000, ContextWindow: 128_000, Enabled: false}); err != nil {
		t.Fatal(err)
	}
	n, err = s.AddModels(ctx, []ai.Model{{ID: "gpt-4o-mini", Provider: "openai", ContextWindow: 1, Enabled: true}})
	if err != nil || n != 0 {
		t.Fatalf("AddModels again = %d, %v", n, err)
	}
	m, err := s.Model(ctx, "gpt-4o-mini")
	if err != nil || m.InputPrice != 150_000 || m.OutputPrice != 600_000 || m.DisplayName != "GPT-4o mini" || m.Enabled || m.ContextWindow != 128_000 {
		t.Fatalf("model = %+v, %v", m, err)
	}
	all, _ := s.Models(ctx, false)
	enabled, _ := s.Models(ctx, true)
	if len(all) != 2 || len(enabled) != 1 || enabled[0].ID != "offline" || !enabled[0].Offline {
		t.Fatalf("models = %+v / %+v", all, enabled)
	}
	_, err = s.SaveModel(ctx, ai.Model{ID: "x", Provider: "openai", ContextWindow: 0})
	wantCode(t, "invalid model", err, errs.Invalid)
	_, err = s.Model(ctx, "nope")
	wantCode(t, "unknown model", err, errs.NotFound)
	if err := s.DeleteModel(ctx, "gpt-4o-mini"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "delete again", s.DeleteModel(ctx, "gpt-4o-mini"), errs.NotFound)
}

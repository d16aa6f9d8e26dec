package ai_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"fedstack/platform/errs"
	"fedstack/platform/platformtest"
	"fedstack/platform/redisconn"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/aitest"
	"fedstack/subgraphs/ai/llm"
	"fedstack/subgraphs/ai/llm/llmtest"
	"fedstack/subgraphs/ai/stream"
)

// chatEnv is a Chat on a fresh database, real Redis and a local OpenAI-protocol server.
type chatEnv = aitest.Env

// newChat starts a chatEnv with workers and queue places; new conversations get the system
// message "You are terse.".
func newChat(t *testing.T, opts llmtest.Options, workers, queue int) *chatEnv {
	t.Helper()
	return newChatWith(t, opts, func(_ *chatEnv, c *ai.ChatConfig) { c.Workers, c.QueueLen = workers, queue })
}

// newChatWith is newChat with the Chat's configuration adjusted by configure.
func newChatWith(t *testing.T, opts llmtest.Options, configure func(*chatEnv, *ai.ChatConfig)) *chatEnv {
	t.Helper()
	return aitest.New(t, opts, func(e *chatEnv, c *ai.ChatConfig) {
		c.System = "You are terse."
		configure(e, c)
	})
}

// collect reads events until Done (or the channel closes) and fails after 10 s.
func collect(t *testing.T, ch <-chan ai.StreamEvent, onEvent func(ai.StreamEvent)) ([]ai.StreamEvent, *ai.StreamDone) {
	t.Helper()
	var evs []ai.StreamEvent
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				return evs, nil
			}
			if onEvent != nil {
				onEvent(ev)
			}
			if ev.Done != nil {
				return evs, ev.Done
			}
			evs = append(evs, ev)
		case <-timeout:
			t.Fatalf("no Done after 10 s; got %d events", len(evs))
		}
	}
}

// concat checks that events are contiguous from from and returns their text.
func concat(t *testing.T, evs []ai.StreamEvent, from int) string {
	t.Helper()
	var b strings.Builder
	pos := from
	for _, ev := range evs {
		if ev.Offset != pos {
			t.Fatalf("event at offset %d, want %d (events %+v)", ev.Offset, pos, evs)
		}
		b.WriteString(ev.Text)
		pos += len(ev.Text)
	}
	return b.String()
}

func TestChatStreamsAndStores(t *testing.T) {
	chunks := []string{"Once", " upon", " a", " time", " there", " was", " a", " stream", "."}
	env := newChat(t, llmtest.Options{Models: []string{"test-model"}, Chunks: chunks,
		ChunkInterval: 30 * time.Millisecond, PromptTokens: 1000, CompletionTokens: 500}, 2, 2)
	ctx := context.Background()
	ex, err := env.Chat.Send(ctx, ai.Caller{UserID: "alice", Role: ai.UserRoleUser}, ai.SendInput{Content: "Tell me a story"})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Assistant.State != ai.StateStreaming || ex.User.Content != "Tell me a story" || ex.Conversation.Title != "Tell me a story" {
		t.Fatalf("exchange: %+v %+v %+v", ex.Conversation, ex.User, ex.Assistant)
	}
	ch, err := env.Chat.Follow(ctx, "alice", ex.Assistant.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	evs, done := collect(t, ch, nil)
	if done == nil || done.State != ai.StateComplete {
		t.Fatalf("done = %+v", done)
	}
	text := concat(t, evs, 0)
	if want := strings.Join(chunks, ""); text != want {
		t.Fatalf("streamed %q, want %q", text, want)
	}
	if len(evs) < 4 {
		t.Errorf("only %d events: chunks were not delivered as they came", len(evs))
	}
	msg, err := env.Store.Message(ctx, "alice", ex.Assistant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if msg.State != ai.StateComplete || msg.Content != text || msg.TokensIn != 1000 || msg.TokensOut != 500 {
		t.Fatalf("stored %+v", msg)
	}
	if want := ai.Micros(2000 + 4000); msg.Cost != want { // 1000×$2/M + 500×$8/M
		t.Errorf("cost %s, want %s", msg.Cost, want)
	}
	// The prompt had the system message and the user's.
	req, _ := env.LLM.LastRequest()
	if len(req.Messages) != 2 || req.Messages[0].Role != "system" || req.Messages[1].Content != "Tell me a story" {
		t.Errorf("prompt %+v", req.Messages)
	}

	// Following a finished answer replays it from the log, and from the store once the
	// log is gone.
	for _, gone := range []bool{false, true} {
		if gone {
			// Simulate expiry.
			rdb, _ := redisconn.Open(ctx, platformtest.RedisURL(t))
			if n, _ := rdb.Del(ctx, stream.Key(ex.Assistant.ID)).Result(); n != 1 {
				t.Fatal("the answer had no stream log")
			}
			_ = rdb.Close()
		}
		ch, err := env.Chat.Follow(ctx, "alice", ex.Assistant.ID, 4)
		if err != nil {
			t.Fatal(err)
		}
		evs, done := collect(t, ch, nil)
		if got := concat(t, evs, 4); got != text[4:] || done == nil || done.State != ai.StateComplete {
			t.Fatalf("gone=%v: replay %q done %+v", gone, got, done)
		}
	}

	// The second exchange carries the history.
	ex2, err := env.Chat.Send(ctx, ai.Caller{UserID: "alice", Role: ai.UserRoleUser}, ai.SendInput{ConversationID: ex.Conversation.ID, Content: "Again"})
	if err != nil {
		t.Fatal(err)
	}
	ch, _ = env.Chat.Follow(ctx, "alice", ex2.Assistant.ID, 0)
	if _, done := collect(t, ch, nil); done == nil || done.State != ai.StateComplete {
		t.Fatalf("second answer: %+v", done)
	}
	req, _ = env.LLM.LastRequest()
	if len(req.Messages) != 4 || req.Messages[2].Content != text || req.Messages[3].Content != "Again" {
		t.Errorf("second prompt %+v", req.Messages)
	}
}

func TestChatStop(t *testing.T) {
	env := newChat(t, llmtest.Options{Models: []string{"test-model"},
		Text: strings.Repeat("word ", 200), ChunkInterval: 20 * time.Millisecond}, 1, 1)
	ctx := context.Background()
	ex, err := env.Chat.Send(ctx, ai.Caller{UserID: "alice", Role: ai.UserRoleUser}, ai.SendInput{Content: "Go on and on"})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := env.Chat.Follow(ctx, "alice", ex.Assistant.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got strings.Builder
	stopped := make(chan struct{})
	started := false
	evs, done := collect(t, ch, func(ev ai.StreamEvent) {
		got.WriteString(ev.Text)
		if !started && got.Len() >= 20 {
			started = true
			go func() {
				defer close(stopped)
				msg, err := env.Chat.Stop(ctx, "alice", ex.Assistant.ID)
				if err != nil || msg.State != ai.StateStopped {
					t.Errorf("Stop: %+v, %v", msg, err)
				}
			}()
		}
	})
	<-stopped // Stop returns after the stream's end: wait for it before the test ends
	if done == nil || done.State != ai.StateStopped {
		t.Fatalf("done = %+v", done)
	}
	text := concat(t, evs, 0)
	msg, err := env.Store.Message(ctx, "alice", ex.Assistant.ID)
	if err != nil {
		t.Fatal(err)
	}
	if msg.State != ai.StateStopped || msg.Content != text || len(text) < 20 || len(text) >= 1000 {
		t.Fatalf("stored %q (%s), streamed %q", msg.Content, msg.State, text)
	}
	if msg.TokensOut == 0 || msg.Cost == 0 {
		t.Errorf("a stopped answer is still paid for: %+v", msg)
	}
	if _, err := env.Chat.Stop(ctx, "alice", ex.Assistant.ID); errs.CodeOf(err) != errs.Conflict {
		t.Errorf("second Stop: %v", err)
	}
}

func TestChatProviderError(t *testing.T) {
	env := newChat(t, llmtest.Options{Models: []string{"test-model"}, Status: 500}, 1, 1)
	ctx := context.Background()
	ex, err := env.Chat.Send(ctx, ai.Caller{UserID: "alice", Role: ai.UserRoleUser}, ai.SendInput{Content: "Hello?"})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := env.Chat.Follow(ctx, "alice", ex.Assistant.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, done := collect(t, ch, nil)
	if done == nil || done.State != ai.StateFailed || !strings.Contains(done.Error, "provider") {
		t.Fatalf("done = %+v", done)
	}
	msgs, err := env.Store.Messages(ctx, "alice", ex.Conversation.ID, ai.MessageQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var user, asst *ai.Message
	for _, m := range msgs {
		switch m.ID {
		case ex.User.ID:
			user = m
		case ex.Assistant.ID:
			asst = m
		}
	}
	if user == nil || user.Content != "Hello?" || user.State != ai.StateComplete {
		t.Fatalf("user message %+v", user)
	}
	if asst == nil || asst.State != ai.StateFailed || asst.Error != done.Error {
		t.Fatalf("assistant message %+v", asst)
	}
}

func TestChatFollowFromOffsetWhileStreaming(t *testing.T) {
	chunks := llm.SplitWords("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu")
	env := newChat(t, llmtest.Options{Models: []string{"test-model"}, Chunks: chunks,
		ChunkInterval: 40 * time.Millisecond}, 1, 1)
	ctx := context.Background()
	ex, err := env.Chat.Send(ctx, ai.Caller{UserID: "alice", Role: ai.UserRoleUser}, ai.SendInput{Content: "Greek letters"})
	if err != nil {
		t.Fatal(err)
	}
	// A first client reads a few chunks and disconnects.
	fctx, cancel := context.WithCancel(ctx)
	ch, err := env.Chat.Follow(fctx, "alice", ex.Assistant.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	offset := 0
	for ev := range ch {
		offset = ev.Offset + len(ev.Text)
		if offset >= 12 {
			break
		}
	}
	cancel()
	time.Sleep(100 * time.Millisecond) // more chunks arrive while disconnected
	ch, err = env.Chat.Follow(ctx, "alice", ex.Assistant.ID, offset)
	if err != nil {
		t.Fatal(err)
	}
	evs, done := collect(t, ch, nil)
	if done == nil || done.State != ai.StateComplete {
		t.Fatalf("done = %+v", done)
	}
	full := strings.Join(chunks, "")
	if got := concat(t, evs, offset); got != full[offset:] {
		t.Fatalf("resumed at %d: %q, want %q", offset, got, full[offset:])
	}
}

func TestChatOtherOwnerIsNotFound(t *testing.T) {
	env := newChat(t, llmtest.Options{Models: []string{"test-model"},
		Text: strings.Repeat("slow ", 100), ChunkInterval: 20 * time.Millisecond}, 1, 1)
	ctx := context.Background()
	ex, err := env.Chat.Send(ctx, ai.Caller{UserID: "alice", Role: ai.UserRoleUser}, ai.SendInput{Content: "Mine"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Chat.Send(ctx, ai.Caller{UserID: "mallory", Role: ai.UserRoleUser}, ai.SendInput{ConversationID: ex.Conversation.ID, Content: "Hi"}); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("Send to another's conversation: %v", err)
	}
	if _, err := env.Chat.Stop(ctx, "mallory", ex.Assistant.ID); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("Stop of another's answer: %v", err)
	}
	if _, err := env.Chat.Follow(ctx, "mallory", ex.Assistant.ID, 0); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("Follow of another's answer: %v", err)
	}
	if _, err := env.Chat.Stop(ctx, "alice", ex.Assistant.ID); err != nil {
		t.Errorf("owner's Stop: %v", err)
	}
}

func TestChatBadInputAndBusy(t *testing.T) {
	env := newChat(t, llmtest.Options{Models: []string{"test-model"},
		Text: strings.Repeat("slow ", 100), ChunkInterval: 20 * time.Millisecond}, 1, 1)
	ctx := context.Background()
	if _, err := env.Chat.Send(ctx, ai.Caller{UserID: "alice", Role: ai.UserRoleUser}, ai.SendInput{Content: "  "}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("blank: %v", err)
	}
	if _, err := env.Chat.Send(ctx, ai.Caller{UserID: "alice", Role: ai.UserRoleUser}, ai.SendInput{Content: "x", Model: "nope"}); errs.CodeOf(err) != errs.Invalid {
		t.Errorf("unknown model: %v", err)
	}
	// One worker and one queue place: the third concurrent send is refused.
	var ids []string
	for i := range 2 {
		ex, err := env.Chat.Send(ctx, ai.Caller{UserID: "alice", Role: ai.UserRoleUser}, ai.SendInput{Content: "busy?"})
		if err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		ids = append(ids, ex.Assistant.ID)
	}
	_, err := env.Chat.Send(ctx, ai.Caller{UserID: "alice", Role: ai.UserRoleUser}, ai.SendInput{Content: "one too many"})
	var e *errs.Error
	if errs.CodeOf(err) != errs.RateLimited || !asErr(err, &e) || e.RetryAfter <= 0 {
		t.Fatalf("third send: %v", err)
	}
	page, _ := env.Store.Conversations(ctx, "alice", ai.Page{})
	if len(page.Conversations) != 2 {
		t.Errorf("a refused send stored something: %d conversations", len(page.Conversations))
	}
	// The queued answer is stopped before it starts.
	if msg, err := env.Chat.Stop(ctx, "alice", ids[1]); err != nil || msg.State != ai.StateStopped {
		t.Errorf("stop queued: %+v %v", msg, err)
	}
}

func asErr(err error, target **errs.Error) bool {
	e, ok := err.(*errs.Error)
	*target = e
	return ok
}

func TestBuildPromptTrimsOldestFirst(t *testing.T) {
	hist := []*ai.Message{{Role: ai.RoleSystem, Content: "sys"}}
	for i := range 50 {
		hist = append(hist, &ai.Message{Role: ai.RoleUser, Content: strings.Repeat("question ", 20) + string(rune('a'+i%26))},
			&ai.Message{Role: ai.RoleAssistant, State: ai.StateComplete, Content: strings.Repeat("answer ", 20)})
	}
	hist = append(hist, &ai.Message{Role: ai.RoleAssistant, State: ai.StateFailed, Content: "broken"},
		&ai.Message{Role: ai.RoleUser, Content: "last"})
	p := ai.BuildPrompt("gpt-4o", 500, 100, hist)
	if p[0].Content != "sys" || p[len(p)-1].Content != "last" {
		t.Fatalf("ends: %+v", p)
	}
	if n := llm.CountMessageTokens("gpt-4o", p); n > 400 || len(p) < 5 || len(p) > 30 {
		t.Fatalf("%d messages, %d tokens", len(p), n)
	}
	for _, m := range p {
		if m.Content == "broken" {
			t.Fatal("a failed answer went into the prompt")
		}
	}
}

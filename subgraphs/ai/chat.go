package ai

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai/llm"
)

// StreamEvent is a piece of an answer delivered to a follower: Text starting at byte
// Offset of the answer, or, as the last event, Done (Offset is then the answer's length).
type StreamEvent struct {
	Offset int
	Text   string
	Done   *StreamDone
}

// StreamDone says how an answer ended.
type StreamDone struct {
	State State  // COMPLETE, STOPPED or FAILED
	Error string // why it FAILED
}

// ErrStreamGone is matched by StreamLog.Follow's error when the answer has no log (it
// expired after the answer ended): read the message from the store instead.
var ErrStreamGone = errors.New("the answer's stream log is gone")

// StreamLog is the per-answer chunk log that followers on any instance read (implemented
// on Redis by package stream). Offsets are byte offsets into the answer's text.
type StreamLog interface {
	// Open creates the log of a new answer, before its first chunk.
	Open(ctx context.Context, messageID string) error
	// Append adds text at offset, which must be where the log ends.
	Append(ctx context.Context, messageID string, offset int, text string) error
	// Finish ends the log at length (where it must end) with d.
	Finish(ctx context.Context, messageID string, length int, d StreamDone) error
	// Follow delivers the answer from byte offset from, then live pieces, ending with a
	// Done event; it closes without Done when ctx ends or the log disappears. With no log
	// at all the error matches ErrStreamGone.
	Follow(ctx context.Context, messageID string, from int) (<-chan StreamEvent, error)
}

// ProviderFor chooses the provider that serves a model of the registry.
type ProviderFor func(m *Model) (llm.Provider, error)

// ChatConfig is what NewChat needs. Store, Log and one of Provider or Providers are
// required.
type ChatConfig struct {
	Store Store
	// Provider serves every model, unless Providers is set.
	Provider  llm.Provider
	Providers ProviderFor
	Log       StreamLog
	// DefaultModel answers a new conversation when SendInput.Model is empty.
	DefaultModel string
	// System is the system message of new conversations ("" for none).
	System string
	// Workers is how many answers are generated at once (default 8); QueueLen how many
	// more may wait for a worker (default 4×Workers). Past that, Send is RATE_LIMITED.
	Workers, QueueLen int
	// MaxAnswerTokens bounds an answer and is kept free in the context window when the
	// history is trimmed (default 1024, at most a quarter of the window).
	MaxAnswerTokens int
	// FlushInterval and FlushBytes: the text of an answer is written to the store every
	// FlushInterval (default 1 s) or FlushBytes (default 4 KiB), whichever comes first;
	// followers get every chunk at once through Log, so this only bounds what a crash
	// loses and how fresh a STREAMING message's stored text is. (Every 50 ms, 20 UPDATEs a
	// second per answer, tripled the per-chunk delay at 50 answers at once: make bench-ai.)
	FlushInterval time.Duration
	FlushBytes    int
	// BusyRetry is the RetryAfter of a refusal when the pool is full (default 2 s).
	BusyRetry time.Duration
	// Limiter and Limits bound what each user sends; without a Limiter there are no
	// per-user limits.
	Limiter Limiter
	Limits  Limits
	// Cache, when set, answers identical single-turn prompts to the same model for
	// CacheTTL (default 1 h).
	Cache    PromptCache
	CacheTTL time.Duration
	// Stops carries stop requests between instances; without it only the instance
	// generating an answer can stop it.
	Stops StopSignal
	// Knowledge, when set, grounds answers in the user's documents.
	Knowledge *Knowledge
	// Titles names a new conversation with the model after its first answer (models
	// marked Offline keep the title taken from the first message).
	Titles bool
	Logger *slog.Logger
	Now    func() time.Time
}

// Chat runs conversations with models: Send stores an exchange and generates the answer in
// a bounded pool of workers, Follow streams it, Stop ends it early. A Chat is safe for
// concurrent use; Close stops its workers.
type Chat struct {
	cfg   ChatConfig
	slots chan struct{} // one per running or queued answer
	jobs  chan *job

	mu   sync.Mutex
	runs map[string]*job // by assistant message id

	ctx    context.Context
	cancel context.CancelCauseFunc
	wg     sync.WaitGroup
}

// Causes of a generation's end other than the model finishing.
var (
	errStopped  = errors.New("stopped by the user")
	errShutdown = errors.New("the server is shutting down")
)

type job struct {
	owner   string
	ex      *Exchange
	model   *Model
	newConv bool
	// cacheKey is set while generating a single-turn answer the cache may keep.
	cacheKey string
	ctx      context.Context
	cancel   context.CancelCauseFunc
	done     chan struct{}
}

// SendInput is a message to send: to ConversationID ("" starts a conversation), answered
// by Model ("" for the conversation's model, or the default one).
type SendInput struct {
	ConversationID string
	Content        string
	Model          string
}

// NewChat returns a Chat with its workers started.
func NewChat(cfg ChatConfig) (*Chat, error) {
	if cfg.Store == nil || cfg.Log == nil || (cfg.Provider == nil && cfg.Providers == nil) {
		return nil, errs.E(errs.Internal, "NewChat needs a Store, a Log and a Provider")
	}
	if cfg.Providers == nil {
		p := cfg.Provider
		cfg.Providers = func(*Model) (llm.Provider, error) { return p, nil }
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = 4 * cfg.Workers
	}
	if cfg.MaxAnswerTokens <= 0 {
		cfg.MaxAnswerTokens = 1024
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = time.Second
	}
	if cfg.FlushBytes <= 0 {
		cfg.FlushBytes = 4096
	}
	if cfg.BusyRetry <= 0 {
		cfg.BusyRetry = 2 * time.Second
	}
	if cfg.Limits == nil {
		cfg.Limits = DefaultLimits
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	n := cfg.Workers + cfg.QueueLen
	c := &Chat{cfg: cfg, slots: make(chan struct{}, n), jobs: make(chan *job, n), runs: map[string]*job{}}
	c.ctx, c.cancel = context.WithCancelCause(context.Background())
	if cfg.Stops != nil {
		stops, err := cfg.Stops.Listen(c.ctx)
		if err != nil {
			c.cancel(errShutdown)
			return nil, errs.Wrap(err, "listening for stop requests")
		}
		go func() {
			for id := range stops {
				c.mu.Lock()
				j := c.runs[id]
				c.mu.Unlock()
				if j != nil {
					j.cancel(errStopped)
				}
			}
		}()
	}
	for range cfg.Workers {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			for {
				select {
				case <-c.ctx.Done():
					return
				case j := <-c.jobs:
					c.generate(j)
				}
			}
		}()
	}
	return c, nil
}

// Close ends the generations in progress (stored as FAILED) and stops the workers; queued
// answers that never started are failed too.
func (c *Chat) Close() {
	c.cancel(errShutdown)
	c.wg.Wait()
	for {
		select {
		case j := <-c.jobs:
			c.generate(j) // its context is already cancelled: it fails at once
		default:
			return
		}
	}
}

// Send validates in, checks the caller's limits, stores the user's message and a
// STREAMING assistant message, and queues the answer's generation. It returns at once with
// the exchange; follow the answer with Follow. Past a limit, or when every worker and queue
// place is taken, the error is RATE_LIMITED with a RetryAfter, and nothing is stored.
func (c *Chat) Send(ctx context.Context, caller Caller, in SendInput) (*Exchange, error) {
	owner := caller.UserID
	if owner == "" {
		return nil, errs.E(errs.Unauthenticated, "sign in to chat")
	}
	if err := ValidateContent(in.Content); err != nil {
		return nil, err
	}
	modelID := strings.TrimSpace(in.Model)
	if in.ConversationID != "" {
		conv, err := c.cfg.Store.Conversation(ctx, owner, in.ConversationID)
		if err != nil {
			return nil, err
		}
		if modelID == "" {
			modelID = conv.Model
		}
	}
	if modelID == "" {
		modelID = c.cfg.DefaultModel
	}
	model, err := c.model(ctx, modelID)
	if err != nil {
		return nil, err
	}
	return c.start(ctx, caller, model, in.ConversationID == "", func() (*Exchange, error) {
		return c.cfg.Store.StartExchange(ctx, NewExchange{OwnerID: owner, ConversationID: in.ConversationID,
			Title: DefaultTitle(in.Content), System: c.cfg.System, Model: model.ID, Content: in.Content})
	})
}

// Regenerate answers the last user message of one of the caller's conversations again,
// replacing the answers after it; with content, that message's text is replaced first
// (edit and resend). model "" keeps the conversation's model. Limits apply as for Send.
func (c *Chat) Regenerate(ctx context.Context, caller Caller, conversationID, modelID string, content *string) (*Exchange, error) {
	owner := caller.UserID
	if owner == "" {
		return nil, errs.E(errs.Unauthenticated, "sign in to chat")
	}
	if content != nil {
		if err := ValidateContent(*content); err != nil {
			return nil, err
		}
	}
	conv, err := c.cfg.Store.Conversation(ctx, owner, conversationID)
	if err != nil {
		return nil, err
	}
	modelID = strings.TrimSpace(modelID)
	if modelID == "" {
		modelID = conv.Model
	}
	model, err := c.model(ctx, modelID)
	if err != nil {
		return nil, err
	}
	return c.start(ctx, caller, model, false, func() (*Exchange, error) {
		return c.cfg.Store.Regenerate(ctx, owner, conversationID, model.ID, content)
	})
}

// start checks the limits and the pool, stores the exchange with store and queues its
// answer.
func (c *Chat) start(ctx context.Context, caller Caller, model *Model, newConv bool, store func() (*Exchange, error)) (*Exchange, error) {
	if c.ctx.Err() != nil {
		return nil, errs.E(errs.Internal, "the server is shutting down; retry in a moment")
	}
	now := c.cfg.Now()
	counted, err := c.takeMessage(ctx, caller, now)
	if err != nil {
		return nil, err
	}
	giveBack := func() {
		if counted {
			if err := c.cfg.Limiter.ReturnMessage(context.WithoutCancel(ctx), caller.UserID, now); err != nil {
				c.cfg.Logger.Warn("chat: uncounting a refused message failed", "error", err)
			}
		}
	}
	select {
	case c.slots <- struct{}{}:
	default:
		giveBack()
		return nil, &errs.Error{Code: errs.RateLimited, RetryAfter: c.cfg.BusyRetry,
			Message: "the server is busy answering other messages; retry in a moment"}
	}
	ex, err := store()
	if err != nil {
		<-c.slots
		giveBack()
		return nil, err
	}
	j := &job{owner: caller.UserID, ex: ex, model: model, newConv: newConv, done: make(chan struct{})}
	j.ctx, j.cancel = context.WithCancelCause(c.ctx)
	if err := c.cfg.Log.Open(ctx, ex.Assistant.ID); err != nil {
		// Followers will find no log; the answer is still generated and stored.
		c.cfg.Logger.Warn("chat: opening the answer's stream log failed", "message_id", ex.Assistant.ID, "error", err)
	}
	c.mu.Lock()
	c.runs[ex.Assistant.ID] = j
	c.mu.Unlock()
	c.jobs <- j // never blocks: a slot is held
	return ex, nil
}

// takeMessage applies the caller's limits: tokens of the day, then messages per minute
// (counting this one). counted reports whether a message was counted.
func (c *Chat) takeMessage(ctx context.Context, caller Caller, now time.Time) (counted bool, err error) {
	if c.cfg.Limiter == nil {
		return false, nil
	}
	lim := c.cfg.Limits.For(caller.Role)
	if lim.TokensPerDay > 0 {
		day := Day(now)
		used, err := c.cfg.Limiter.Tokens(ctx, caller.UserID, day)
		if err != nil {
			return false, errs.Wrap(err, "reading the token count")
		}
		if used >= lim.TokensPerDay {
			reset := day.AddDate(0, 0, 1)
			return false, &errs.Error{Code: errs.RateLimited, RetryAfter: reset.Sub(now),
				Message: fmt.Sprintf("you used your %d tokens of today; the count starts again at midnight UTC (in %s)",
					lim.TokensPerDay, reset.Sub(now).Round(time.Minute))}
		}
	}
	if lim.MessagesPerMinute <= 0 {
		return false, nil
	}
	ok, retry, err := c.cfg.Limiter.TakeMessage(ctx, caller.UserID, lim.MessagesPerMinute, now)
	if err != nil {
		return false, errs.Wrap(err, "counting the message")
	}
	if !ok {
		return false, &errs.Error{Code: errs.RateLimited, RetryAfter: retry,
			Message: fmt.Sprintf("you can send %d messages a minute; try again in %d s",
				lim.MessagesPerMinute, errs.RetryAfterSeconds(retry))}
	}
	return true, nil
}

// LimitStatus tells the caller their limits and what is left of them.
func (c *Chat) LimitStatus(ctx context.Context, caller Caller) (*LimitStatus, error) {
	lim := c.cfg.Limits.For(caller.Role)
	now := c.cfg.Now()
	st := &LimitStatus{Role: caller.Role, MessagesPerMinute: lim.MessagesPerMinute, MessagesLeft: lim.MessagesPerMinute,
		TokensPerDay: lim.TokensPerDay, TokensResetAt: Day(now).AddDate(0, 0, 1)}
	if c.cfg.Limiter == nil {
		return st, nil
	}
	n, err := c.cfg.Limiter.MessagesInWindow(ctx, caller.UserID, now)
	if err != nil {
		return nil, errs.Wrap(err, "reading the message count")
	}
	st.MessagesLeft = max(0, lim.MessagesPerMinute-n)
	if st.TokensToday, err = c.cfg.Limiter.Tokens(ctx, caller.UserID, Day(now)); err != nil {
		return nil, errs.Wrap(err, "reading the token count")
	}
	return st, nil
}

// model returns an enabled model of the registry; an unknown one is INVALID.
func (c *Chat) model(ctx context.Context, id string) (*Model, error) {
	if id == "" {
		return nil, invalid("model", "no model chosen and no default configured; pick one from the models query")
	}
	m, err := c.cfg.Store.Model(ctx, id)
	if errs.CodeOf(err) == errs.NotFound || (err == nil && !m.Enabled) {
		return nil, invalid("model", "%s", ErrModelNotFound)
	}
	return m, err
}

// Stop ends the generation of one of the owner's answers: it is stored STOPPED with the
// text so far, which Stop returns. NOT_FOUND for another owner's message, CONFLICT when
// the answer already ended.
func (c *Chat) Stop(ctx context.Context, owner, messageID string) (*Message, error) {
	msg, err := c.cfg.Store.Message(ctx, owner, messageID)
	if err != nil {
		return nil, err
	}
	if msg.State != StateStreaming {
		return nil, errs.E(errs.Conflict, "%s", ErrNotStreaming)
	}
	c.mu.Lock()
	j := c.runs[messageID]
	c.mu.Unlock()
	if j != nil {
		j.cancel(errStopped)
		select {
		case <-j.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return c.cfg.Store.Message(ctx, owner, messageID)
	}
	// Another instance generates it (or its worker died): ask every instance to stop it
	// and wait for it to be stored.
	if c.cfg.Stops == nil {
		return nil, errs.E(errs.Conflict, "this answer is generated by another server instance; try again")
	}
	if err := c.cfg.Stops.RequestStop(ctx, messageID); err != nil {
		return nil, errs.Wrap(err, "asking for the answer to stop")
	}
	wait, cancel := context.WithTimeout(ctx, stopWait)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-wait.Done():
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, errs.E(errs.Internal, "the answer did not stop in time; try again")
		case <-tick.C:
		}
		m, err := c.cfg.Store.Message(ctx, owner, messageID)
		if err != nil {
			return nil, err
		}
		if m.State.Final() {
			return m, nil
		}
	}
}

// stopWait bounds how long Stop waits for another instance to store a stopped answer.
const stopWait = 5 * time.Second

// Follow delivers one of the owner's answers from byte offset from: the text not yet
// received, in pieces as it is generated, then a Done event, after which the channel
// closes. A finished answer whose stream log expired is read whole from the store. A
// channel that closes without Done (ctx ended, stream lost) may be followed again from
// the offset reached.
func (c *Chat) Follow(ctx context.Context, owner, messageID string, from int) (<-chan StreamEvent, error) {
	msg, err := c.cfg.Store.Message(ctx, owner, messageID)
	if err != nil {
		return nil, err
	}
	if msg.Role != RoleAssistant {
		return nil, invalid("messageId", "only answers of the model can be followed")
	}
	if from < 0 || (msg.State.Final() && from > len(msg.Content)) {
		return nil, invalid("offset", "the offset must be between 0 and the answer's length (%d bytes)", len(msg.Content))
	}
	in, err := c.cfg.Log.Follow(ctx, messageID, from)
	if errors.Is(err, ErrStreamGone) {
		return c.fromStore(ctx, owner, msg, from)
	}
	if err != nil {
		return nil, err
	}
	out := make(chan StreamEvent)
	go func() {
		defer close(out)
		pos := from
		for ev := range in {
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
			if ev.Done != nil {
				return
			}
			pos = ev.Offset + len(ev.Text)
		}
		// Closed without Done: when the answer has ended, the store has all of it.
		if ctx.Err() != nil {
			return
		}
		m, err := c.cfg.Store.Message(ctx, owner, messageID)
		if err != nil || !m.State.Final() {
			return
		}
		for _, ev := range storedEvents(m, pos) {
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (c *Chat) fromStore(ctx context.Context, owner string, msg *Message, from int) (<-chan StreamEvent, error) {
	if !msg.State.Final() {
		// Re-read: it may have ended since the first read.
		m, err := c.cfg.Store.Message(ctx, owner, msg.ID)
		if err != nil {
			return nil, err
		}
		if !m.State.Final() {
			return nil, errs.E(errs.Internal, "the answer is being generated but its stream is unavailable; try again")
		}
		msg = m
	}
	evs := storedEvents(msg, from)
	out := make(chan StreamEvent, len(evs))
	for _, ev := range evs {
		out <- ev
	}
	close(out)
	return out, nil
}

// storedEvents are the events of a finished message from byte offset from.
func storedEvents(m *Message, from int) []StreamEvent {
	var evs []StreamEvent
	if from < len(m.Content) {
		evs = append(evs, StreamEvent{Offset: from, Text: m.Content[from:]})
	}
	return append(evs, StreamEvent{Offset: len(m.Content), Done: &StreamDone{State: m.State, Error: m.Error}})
}

// BuildPrompt is what the model is sent: the system messages, then the newest messages of
// history (oldest first) that fit in window tokens minus reserve for the answer, counted
// with llm.CountMessageTokens. The last message (the user's) is always kept. Failed and
// still-streaming answers are left out.
func BuildPrompt(model string, window, reserve int, history []*Message) []llm.Message {
	var system, turns []llm.Message
	for _, m := range history {
		switch {
		case m.Role == RoleSystem:
			system = append(system, llm.Message{Role: llm.RoleSystem, Content: m.Content})
		case m.Role == RoleUser:
			turns = append(turns, llm.Message{Role: llm.RoleUser, Content: m.Content})
		case m.State == StateComplete || (m.State == StateStopped && m.Content != ""):
			turns = append(turns, llm.Message{Role: llm.RoleAssistant, Content: m.Content})
		}
	}
	budget := window - reserve - llm.CountMessageTokens(model, system)
	keep := 0
	for i := len(turns) - 1; i >= 0; i-- {
		budget -= 3 + llm.CountTokens(model, turns[i].Role) + llm.CountTokens(model, turns[i].Content)
		if budget < 0 && keep > 0 {
			break
		}
		keep++
	}
	return append(system, turns[len(turns)-keep:]...)
}

// generate produces one answer; it always ends the message and releases the slot.
func (c *Chat) generate(j *job) {
	defer func() {
		c.mu.Lock()
		delete(c.runs, j.ex.Assistant.ID)
		c.mu.Unlock()
		j.cancel(nil)
		close(j.done)
		<-c.slots
	}()
	g := &generation{chat: c, job: j, id: j.ex.Assistant.ID, log: c.cfg.Logger.With("message_id", j.ex.Assistant.ID)}
	var prompt []llm.Message
	err := j.ctx.Err()
	if err == nil {
		prompt, err = g.prompt()
	}
	if err == nil && !g.fromCache() {
		err = g.stream(prompt)
	}
	if err != nil && j.ctx.Err() != nil {
		err = context.Cause(j.ctx) // stopped or shut down, whatever failed on the way
	}
	g.end(prompt, err)
}

type generation struct {
	chat    *Chat
	job     *job
	id      string
	log     *slog.Logger
	text    strings.Builder
	stored  int // bytes written to the store
	logged  int // bytes written to the stream log
	usage   *llm.Usage
	lastOut time.Time
	// citations are the knowledge-base chunks put in the prompt.
	citations []Citation
	// cached is the cache's answer when the prompt was answered from it.
	cached *CachedAnswer
}

// window is the model's context window in tokens and the part of it kept for the answer
// (MaxAnswerTokens, at most a quarter of the window).
func (g *generation) window() (window, reserve int) {
	window = g.job.model.ContextWindow
	if window <= 0 {
		window = llm.ContextWindow(g.job.model.ID)
	}
	return window, min(g.chat.cfg.MaxAnswerTokens, window/4)
}

func (g *generation) prompt() ([]llm.Message, error) {
	j := g.job
	history, err := g.chat.cfg.Store.Messages(j.ctx, j.owner, j.ex.Conversation.ID, MessageQuery{Before: j.ex.Assistant.Seq})
	if err != nil {
		return nil, err
	}
	window, reserve := g.window()
	if k := g.chat.cfg.Knowledge; k != nil && len(history) > 0 && history[len(history)-1].Role == RoleUser {
		hits, err := k.Retrieve(j.ctx, j.owner, history[len(history)-1].Content)
		if err != nil {
			g.log.Warn("chat: retrieving from the knowledge base failed; answering without it", "error", err)
		} else if len(hits) > 0 {
			g.citations = Citations(hits)
			// System messages go first in the prompt, whatever their place in history.
			history = append([]*Message{{Role: RoleSystem, Content: ContextMessage(hits)}}, history...)
		}
	}
	p := BuildPrompt(j.model.ID, window, reserve, history)
	if llm.CountMessageTokens(j.model.ID, p) > window-reserve {
		return nil, errs.E(errs.Invalid, "your message is longer than %s accepts (%d tokens); shorten it or upload it as a document", j.model.DisplayName, window)
	}
	if g.chat.cfg.Cache != nil && singleTurn(p) {
		j.cacheKey = CacheKey(j.model.ID, p)
	}
	return p, nil
}

// singleTurn reports whether a prompt is system messages and one user message.
func singleTurn(p []llm.Message) bool {
	users := 0
	for _, m := range p {
		switch m.Role {
		case llm.RoleUser:
			users++
		case llm.RoleAssistant:
			return false
		}
	}
	return users == 1
}

// CacheKey identifies a prompt to a model: the SHA-256 of the model and every message's
// role and content, each length-prefixed so that no two prompts share a key.
func CacheKey(model string, p []llm.Message) string {
	h := sha256.New()
	field := func(s string) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	field(model)
	for _, m := range p {
		field(m.Role)
		field(m.Content)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// fromCache answers from the prompt cache; it reports whether it did.
func (g *generation) fromCache() bool {
	j := g.job
	if j.cacheKey == "" {
		return false
	}
	a, ok, err := g.chat.cfg.Cache.Get(j.ctx, j.cacheKey)
	if err != nil {
		g.log.Warn("chat: reading the prompt cache failed", "error", err)
		return false
	}
	if !ok {
		return false
	}
	g.cached = a
	g.text.WriteString(a.Text)
	g.toLog(j.ctx)
	return true
}

// stream reads the model's answer, appending each chunk to the stream log at once and to
// the store in batches.
func (g *generation) stream(prompt []llm.Message) error {
	j := g.job
	p, err := g.chat.cfg.Providers(j.model)
	if err != nil {
		return err
	}
	_, reserve := g.window()
	s, err := p.Stream(j.ctx, llm.Request{Model: j.model.ID, Messages: prompt, MaxTokens: reserve})
	if err != nil {
		return err
	}
	defer s.Close()
	chunks := make(chan llm.Chunk)
	fail := make(chan error, 1)
	go func() {
		defer close(chunks)
		for {
			ch, err := s.Recv()
			if err != nil {
				if err != io.EOF {
					fail <- err
				}
				return
			}
			select {
			case chunks <- ch:
			case <-j.ctx.Done():
				return
			}
		}
	}()
	tick := time.NewTicker(g.chat.cfg.FlushInterval)
	defer tick.Stop()
	for {
		select {
		case ch, ok := <-chunks:
			if !ok {
				select {
				case err := <-fail:
					return err
				default:
				}
				if j.ctx.Err() != nil {
					return context.Cause(j.ctx)
				}
				g.usage = s.Usage()
				return nil
			}
			if ch.Text == "" {
				continue
			}
			g.text.WriteString(ch.Text)
			g.toLog(j.ctx)
			if g.text.Len()-g.stored >= g.chat.cfg.FlushBytes {
				g.toStore(j.ctx)
			}
		case <-tick.C:
			g.toStore(j.ctx)
		case <-j.ctx.Done():
			return context.Cause(j.ctx)
		}
	}
}

// toLog appends the text not yet logged (a failed append is retried with the next chunk).
func (g *generation) toLog(ctx context.Context) {
	t := g.text.String()
	if g.logged == len(t) {
		return
	}
	if err := g.chat.cfg.Log.Append(ctx, g.id, g.logged, t[g.logged:]); err != nil {
		g.log.Warn("chat: appending to the answer's stream log failed", "error", err)
		return
	}
	g.logged = len(t)
}

// toStore appends the text not yet stored.
func (g *generation) toStore(ctx context.Context) {
	t := g.text.String()
	if g.stored == len(t) {
		return
	}
	if _, err := g.chat.cfg.Store.AppendContent(ctx, g.id, t[g.stored:]); err != nil {
		g.log.Warn("chat: storing the answer's text failed", "error", err)
		return
	}
	g.stored = len(t)
}

// end stores the final state and closes the stream log.
func (g *generation) end(prompt []llm.Message, err error) {
	j := g.job
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	text := g.text.String()
	f := Finish{MessageID: g.id, State: StateComplete, Content: &text}
	switch {
	case err == nil:
	case errors.Is(err, errStopped):
		f.State = StateStopped
	case errors.Is(err, errShutdown):
		f.State, f.Error = StateFailed, "the server restarted while answering; regenerate to try again"
	default:
		f.State = StateFailed
		var e *errs.Error
		if errors.As(err, &e) && e.Code != errs.Internal || errors.As(err, &e) && e.Err != nil && isProvider(e) {
			f.Error = e.Message
		} else {
			f.Error = "the answer could not be generated; regenerate to try again"
		}
		g.log.Warn("chat: generation failed", "error", err)
	}
	f.Citations = g.citations
	switch {
	case g.cached != nil:
		// Answered from the cache: no tokens were spent on it.
		f.Cached = true
	case prompt != nil && (f.State != StateFailed || text != ""):
		u := g.usage
		if u == nil || f.State != StateComplete {
			est := llm.EstimateUsage(j.model.ID, prompt, text)
			u = &est
		}
		f.TokensIn, f.TokensOut = u.PromptTokens, u.CompletionTokens
		f.Cost = j.model.Cost(int64(f.TokensIn), int64(f.TokensOut))
	}
	if _, err := g.chat.cfg.Store.FinishMessage(ctx, f); err != nil {
		g.log.Error("chat: storing the end of an answer failed", "error", err)
	}
	// Counted and cached before followers hear of the end, so a message sent after it
	// sees both.
	if n := int64(f.TokensIn + f.TokensOut); n > 0 && g.chat.cfg.Limiter != nil {
		if err := g.chat.cfg.Limiter.AddTokens(ctx, j.owner, Day(g.chat.cfg.Now()), n); err != nil {
			g.log.Warn("chat: counting the answer's tokens failed", "error", err)
		}
	}
	if f.State == StateComplete && j.cacheKey != "" && g.cached == nil {
		a := CachedAnswer{Text: text, TokensIn: f.TokensIn, TokensOut: f.TokensOut}
		if err := g.chat.cfg.Cache.Put(ctx, j.cacheKey, a, g.chat.cfg.CacheTTL); err != nil {
			g.log.Warn("chat: storing the answer in the prompt cache failed", "error", err)
		}
	}
	g.toLog(ctx)
	if err := g.chat.cfg.Log.Finish(ctx, g.id, len(text), StreamDone{State: f.State, Error: f.Error}); err != nil {
		g.log.Warn("chat: ending the answer's stream log failed", "error", err)
	}
	if f.State != StateComplete {
		return
	}
	if j.newConv && g.chat.cfg.Titles && !j.model.Offline {
		g.title(ctx, text)
	}
}

// titleMaxTokens bounds a generated title.
const titleMaxTokens = 24

// title names a new conversation with the model, from its first question and answer,
// unless it was renamed meanwhile. A failure keeps the title taken from the question.
func (g *generation) title(ctx context.Context, answer string) {
	j := g.job
	p, err := g.chat.cfg.Providers(j.model)
	if err != nil {
		return
	}
	question := j.ex.User.Content
	prompt := []llm.Message{
		{Role: llm.RoleSystem, Content: "Write a title of at most six words for this conversation. Answer with the title only, without quotes or a full stop."},
		{Role: llm.RoleUser, Content: "Question: " + truncateRunes(question, 1000) + "\n\nAnswer: " + truncateRunes(answer, 1000)},
	}
	text, usage, err := llm.Complete(ctx, p, llm.Request{Model: j.model.ID, Messages: prompt, MaxTokens: titleMaxTokens})
	if err != nil {
		g.log.Warn("chat: generating a title failed", "error", err)
		return
	}
	t, err := NormalizeTitle(strings.Trim(strings.TrimSpace(text), "\"'“”.`*#"))
	if err != nil {
		return
	}
	u := llm.EstimateUsage(j.model.ID, prompt, text)
	if usage != nil {
		u = *usage
	}
	// What the title cost is the user's spending too.
	if err := g.chat.cfg.Store.AddUsage(ctx, Usage{OwnerID: j.owner, Day: Day(g.chat.cfg.Now()), Model: j.model.ID,
		TokensIn: int64(u.PromptTokens), TokensOut: int64(u.CompletionTokens),
		Cost: j.model.Cost(int64(u.PromptTokens), int64(u.CompletionTokens))}); err != nil {
		g.log.Warn("chat: counting the title's usage failed", "error", err)
	}
	conv, err := g.chat.cfg.Store.Conversation(ctx, j.owner, j.ex.Conversation.ID)
	if err != nil || conv.Title != j.ex.Conversation.Title {
		return // deleted or renamed by the user meanwhile
	}
	if _, err := g.chat.cfg.Store.Rename(ctx, j.owner, conv.ID, t); err != nil {
		g.log.Warn("chat: storing the generated title failed", "error", err)
	}
}

func truncateRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// isProvider reports whether e comes from the model provider (its messages are written
// for the user).
func isProvider(e *errs.Error) bool {
	var pe *llm.ProviderError
	return errors.As(e.Err, &pe)
}

// Package realtime is the todos change feed on Redis: it implements todos.ChangeFeed so that any
// number of todos instances deliver every change of a user to that user's subscriptions,
// whichever instance made the change, and a subscription that resumes after a cursor receives
// what it missed before live changes.
//
// Each user has a change log, the Redis stream todos:changes:<ownerId> (the last MaxLen
// changes, kept Retention after the last one), and a pub/sub channel todos:user:<ownerId>.
// Publish appends the change to the log and publishes it in one Lua script, so a change in the
// log is always published too, and changes are published in log order. The stream entry id
// ("<ms>-<seq>") is the change's cursor. Each entry also records the id of the entry before it
// ("prev"); that lets a subscriber tell a gap (a pub/sub message it never got, a log trimmed
// past its cursor) from a continuous sequence, and fill the gap from the log.
//
// A subscription (Changes) subscribes through the process's pubsub.Broker first, then reads
// the log after its cursor, then forwards live messages, skipping those it already delivered.
// The log is the source of truth; pub/sub is the fast path. Whenever the live sequence breaks
// (a message lost on a Redis reconnect, a subscriber too slow to keep up, a periodic check
// finding a newer entry) the subscription reads the log again from its last cursor; when the
// log no longer reaches back that far, it sends one todos.Resync change and goes on from the
// newest entry.
package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/errs"
	"fedstack/platform/pubsub"
	"fedstack/subgraphs/todos"
)

// Defaults of Options.
const (
	DefaultMaxLen        = 1000
	DefaultRetention     = 24 * time.Hour
	DefaultQueueLen      = 256
	DefaultCheckInterval = 30 * time.Second
)

// Options tune a Feed; zero values take the defaults.
type Options struct {
	// MaxLen is how many changes each user's log keeps (exactly; default 1000). A subscription
	// resuming from an older cursor receives a Resync.
	MaxLen int
	// Retention is how long a user's log is kept after its last change (default 24 h).
	Retention time.Duration
	// QueueLen bounds the changes queued for one subscription that its reader has not taken
	// yet, and the changes read from the log at once (default 256). A reader that falls
	// further behind stops receiving live messages and is fed from the log instead, so
	// memory stays bounded; one that falls behind the whole log receives a Resync.
	QueueLen int
	// CheckInterval is how often an idle subscription checks the log for a change whose
	// pub/sub message was lost (on a Redis reconnect): one XRANGE per subscription per
	// interval (default 30 s; negative: never).
	CheckInterval time.Duration
	// Logger receives warnings (malformed messages, Redis errors); default slog.Default().
	Logger *slog.Logger
}

// Feed is the todos.ChangeFeed on Redis. It owns no goroutine of its own: each subscription
// runs one, which ends with the subscription's context. A Feed is safe for concurrent use.
type Feed struct {
	rdb    *redis.Client
	broker *pubsub.Broker
	opts   Options
}

var _ todos.ChangeFeed = (*Feed)(nil)

// New returns a Feed that writes logs and publishes through rdb and receives live messages
// through broker (the process's one pub/sub connection). The caller closes both.
func New(rdb *redis.Client, broker *pubsub.Broker, opts Options) *Feed {
	if opts.MaxLen <= 0 {
		opts.MaxLen = DefaultMaxLen
	}
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.QueueLen <= 0 {
		opts.QueueLen = DefaultQueueLen
	}
	if opts.CheckInterval == 0 {
		opts.CheckInterval = DefaultCheckInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Feed{rdb: rdb, broker: broker, opts: opts}
}

// StreamKey is the Redis stream holding one user's change log.
func StreamKey(ownerID string) string { return "todos:changes:" + ownerID }

// Channel is the Redis pub/sub channel of one user's live changes.
func Channel(ownerID string) string { return "todos:user:" + ownerID }

// Fields of a log entry.
const (
	fieldPrev   = "prev"   // id of the entry before this one, "0-0" for the first of a log
	fieldChange = "change" // the todos.TodoChange as JSON, without its cursor
)

// message is what Publish sends on a user's channel.
type message struct {
	Cursor string          `json:"cursor"`
	Prev   string          `json:"prev"`
	Change json.RawMessage `json:"change"`
}

// publishScript appends a change to a user's log and publishes it, atomically, so every
// logged change is published and in log order. KEYS[1] the log; ARGV: channel, change JSON,
// MaxLen, retention in ms. It returns the new entry's id.
var publishScript = redis.NewScript(`
local prev = '0-0'
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then prev = top[1][1] end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], '*', 'prev', prev, 'change', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[1], '{"cursor":"' .. id .. '","prev":"' .. prev .. '","change":' .. ARGV[2] .. '}')
return id
`)

// Publish appends c to its owner's log, sets c.Cursor to the new entry's id, and publishes c
// to every instance's subscribers of that owner. c must carry its OwnerID, a kind other than
// Resync, and no todo of another owner.
func (f *Feed) Publish(ctx context.Context, c *todos.TodoChange) error {
	if c == nil {
		return errs.E(errs.Invalid, "no change to publish")
	}
	if err := checkChange(c, c.OwnerID); err != nil {
		return errs.E(errs.Invalid, "change not published: %v", err)
	}
	if c.Kind == todos.Resync {
		return errs.E(errs.Invalid, "change not published: a %s change is made by the feed, not published", todos.Resync)
	}
	stored := *c
	stored.Cursor = ""
	payload, err := json.Marshal(&stored)
	if err != nil {
		return errs.Wrap(err, "encoding a todo change")
	}
	id, err := publishScript.Run(ctx, f.rdb, []string{StreamKey(c.OwnerID)},
		Channel(c.OwnerID), payload, f.opts.MaxLen, f.opts.Retention.Milliseconds()).Text()
	if err != nil {
		return errs.Wrap(err, "publishing a todo change on Redis")
	}
	c.Cursor = id
	return nil
}

// Changes delivers ownerID's changes until ctx ends, then closes the channel: first those
// after since (when since is not ""), in order and once each, then live ones. A since that is
// not a cursor is INVALID; one the log no longer reaches back to (trimmed past MaxLen, or
// expired) yields one Resync change first, whose cursor is the newest change's (or since when
// the log is empty). A Resync also comes later when the reader fell behind the whole log.
// It returns once live delivery is in place, so nothing published later is missed.
func (f *Feed) Changes(ctx context.Context, ownerID, since string) (<-chan *todos.TodoChange, error) {
	if ownerID == "" {
		return nil, errs.E(errs.Invalid, "changes of no user asked for: sign in first")
	}
	var from cursor
	if since != "" {
		var ok bool
		if from, ok = parseCursor(since); !ok {
			return nil, &errs.Error{Code: errs.Invalid, Field: "since",
				Message: fmt.Sprintf("since %s is not a cursor from todoChanged: pass the cursor of the last change you received, or none", strconv.Quote(since))}
		}
	}

	sctx, cancel := context.WithCancel(ctx)
	live, err := f.broker.Subscribe(sctx, Channel(ownerID))
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errs.Wrap(err, "subscribing to the todo changes on Redis")
	}
	s := &subscription{feed: f, owner: ownerID, key: StreamKey(ownerID), live: live,
		out: make(chan *todos.TodoChange), log: f.opts.Logger.With("owner_id", ownerID)}
	if since == "" {
		// Live from now on: the position is the newest entry (what was published before
		// this point is the client's list's business).
		top, err := s.top(sctx)
		if err != nil {
			cancel()
			return nil, errs.Wrap(err, "reading the todo change log on Redis")
		}
		s.last = top
	} else {
		s.last, s.since, s.behind = from, since, true
		if err := s.catchUp(sctx); err != nil {
			cancel()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, errs.Wrap(err, "reading the todo change log on Redis")
		}
	}
	go func() {
		defer cancel()
		s.run(sctx)
	}()
	return s.out, nil
}

// subscription is one Changes call. Its fields are used by its goroutine only (and by
// Changes before that goroutine starts).
type subscription struct {
	feed  *Feed
	owner string
	key   string
	live  <-chan []byte
	out   chan *todos.TodoChange
	log   *slog.Logger

	// last is the cursor of the last change queued (the position in the log).
	last cursor
	// since is the client's cursor until the first read of the log (a resumed
	// subscription), "" after it.
	since string
	// pending holds changes queued for the reader, at most QueueLen.
	pending []*todos.TodoChange
	// behind: live messages are ignored and the log is read from last as soon as pending
	// is empty.
	behind bool
}

// Retries of a failed read of the log.
const (
	minRetry = 500 * time.Millisecond
	maxRetry = 30 * time.Second
)

// run delivers until ctx ends or the broker closes, then closes out.
func (s *subscription) run(ctx context.Context) {
	defer close(s.out)
	var check <-chan time.Time
	if d := s.feed.opts.CheckInterval; d > 0 {
		t := time.NewTicker(d)
		defer t.Stop()
		check = t.C
	}
	var retry <-chan time.Time
	backoff := minRetry
	for {
		if s.behind && len(s.pending) == 0 && retry == nil {
			if err := s.catchUp(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				s.log.Warn("todo changes: reading the change log failed; retrying",
					"retry_in", backoff, "error", err)
				retry = time.After(backoff)
				backoff = min(2*backoff, maxRetry)
			} else {
				backoff = minRetry
			}
			continue
		}
		var send chan<- *todos.TodoChange
		var next *todos.TodoChange
		if len(s.pending) > 0 {
			send, next = s.out, s.pending[0]
		}
		select {
		case <-ctx.Done():
			return
		case payload, ok := <-s.live:
			if !ok {
				return // the broker closed
			}
			s.onLive(payload)
		case send <- next:
			s.pending[0] = nil
			s.pending = s.pending[1:]
		case <-check:
			if len(s.pending) == 0 {
				s.behind = true // an XRANGE from last: cheap, and finds changes lost by pub/sub
			}
		case <-retry:
			retry = nil
		}
	}
}

// onLive queues a live message when it continues the sequence; a gap, or a full queue,
// switches to reading the log.
func (s *subscription) onLive(payload []byte) {
	var m message
	if err := json.Unmarshal(payload, &m); err != nil {
		s.log.Warn("todo changes: ignoring a malformed message", "channel", Channel(s.owner), "error", err)
		return
	}
	id, ok1 := parseCursor(m.Cursor)
	prev, ok2 := parseCursor(m.Prev)
	if !ok1 || !ok2 {
		s.log.Warn("todo changes: ignoring a message without a valid cursor", "channel", Channel(s.owner), "cursor", m.Cursor)
		return
	}
	if !s.last.less(id) || s.behind {
		return // delivered already (skipped here rather than by a read of the log), or the log will provide it
	}
	if prev != s.last || len(s.pending) >= s.feed.opts.QueueLen {
		s.behind = true
		return
	}
	c, err := decodeChange(m.Change, m.Cursor, s.owner)
	if err != nil {
		// Not what Publish sends: let the log decide what comes next.
		s.log.Warn("todo changes: ignoring a malformed change", "channel", Channel(s.owner), "cursor", m.Cursor, "error", err)
		s.behind = true
		return
	}
	s.pending = append(s.pending, c)
	s.last = id
}

// catchUp reads up to QueueLen entries of the log after last, and queues them (behind stays
// set when more may follow). When the log does not continue from last, it queues a Resync
// instead, positioned at the newest entry. Called with pending empty.
func (s *subscription) catchUp(ctx context.Context) error {
	n := s.feed.opts.QueueLen
	// From last inclusive: finding last itself proves nothing after it was trimmed.
	entries, err := s.feed.rdb.XRangeN(ctx, s.key, s.last.String(), "+", int64(n)+1).Result()
	if err != nil {
		return err
	}
	resumed := s.since != ""
	continuous := true
	switch {
	case len(entries) > 0 && entries[0].ID == s.last.String():
		entries = entries[1:]
	case len(entries) > 0:
		// last is not in the log: fine when the first entry kept comes right after it.
		p, _ := entries[0].Values[fieldPrev].(string)
		continuous = p == s.last.String()
	default:
		// Nothing at or after last. For a live subscription that means nothing new; a client
		// resuming from a cursor the log does not hold (expired, or from elsewhere) may have
		// missed anything.
		continuous = !resumed || s.last == (cursor{})
	}
	if !continuous {
		top, err := s.top(ctx)
		if err != nil {
			return err
		}
		at := top.String()
		if top == (cursor{}) && resumed {
			at = s.since
		}
		level := slog.LevelDebug // expected for a client back after a long time
		if !resumed {
			level = slog.LevelInfo // a reader that fell behind the whole log
		}
		s.log.Log(ctx, level, "todo changes: the log does not reach back to the cursor; sending a resync",
			"cursor", s.last.String(), "newest", top.String())
		s.pending = append(s.pending, &todos.TodoChange{Cursor: at, Kind: todos.Resync, OwnerID: s.owner, At: time.Now().UTC()})
		s.last, s.since, s.behind = top, "", false
		return nil
	}
	s.since = ""
	if len(entries) > n {
		entries = entries[:n]
	}
	for _, e := range entries {
		id, ok := parseCursor(e.ID)
		if !ok {
			continue
		}
		raw, _ := e.Values[fieldChange].(string)
		c, err := decodeChange([]byte(raw), e.ID, s.owner)
		if err != nil {
			s.log.Warn("todo changes: skipping a malformed entry of the log", "key", s.key, "id", e.ID, "error", err)
		} else {
			s.pending = append(s.pending, c)
		}
		s.last = id
	}
	s.behind = len(entries) >= n // a full batch: read on once the reader took it
	return nil
}

// top returns the id of the newest entry of the log, the zero cursor when it is empty.
func (s *subscription) top(ctx context.Context) (cursor, error) {
	entries, err := s.feed.rdb.XRevRangeN(ctx, s.key, "+", "-", 1).Result()
	if err != nil || len(entries) == 0 {
		return cursor{}, err
	}
	id, ok := parseCursor(entries[0].ID)
	if !ok {
		return cursor{}, fmt.Errorf("stream %s holds an entry with id %q", s.key, entries[0].ID)
	}
	return id, nil
}

// decodeChange decodes a change of owner and gives it its cursor.
func decodeChange(raw []byte, id, owner string) (*todos.TodoChange, error) {
	var c todos.TodoChange
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, err
	}
	if err := checkChange(&c, owner); err != nil {
		return nil, err
	}
	if c.Kind == todos.Resync {
		return nil, errors.New("a logged change cannot be a resync")
	}
	c.Cursor = id
	return &c, nil
}

// checkChange checks that c is a change of owner's todos only.
func checkChange(c *todos.TodoChange, owner string) error {
	switch {
	case c == nil:
		return errors.New("no change")
	case owner == "":
		return errors.New("the change has no owner")
	case c.OwnerID != owner:
		return fmt.Errorf("the change is of owner %q, not %q", c.OwnerID, owner)
	case !c.Kind.Valid():
		return fmt.Errorf("unknown kind %q", c.Kind)
	}
	if c.Todo != nil && c.Todo.OwnerID != owner {
		return fmt.Errorf("todo %s belongs to another owner", c.Todo.ID)
	}
	for _, t := range c.Todos {
		if t == nil || t.OwnerID != owner {
			return errors.New("a todo of the bulk change belongs to another owner")
		}
	}
	return nil
}

// cursor is a stream entry id: entries are ordered by (ms, seq) as numbers. The zero cursor
// "0-0" comes before every entry.
type cursor struct{ ms, seq uint64 }

// parseCursor parses "<ms>-<seq>" (decimal digits only).
func parseCursor(s string) (cursor, bool) {
	ms, seq, ok := strings.Cut(s, "-")
	if !ok || !digits(ms) || !digits(seq) {
		return cursor{}, false
	}
	a, err1 := strconv.ParseUint(ms, 10, 64)
	b, err2 := strconv.ParseUint(seq, 10, 64)
	if err1 != nil || err2 != nil {
		return cursor{}, false
	}
	return cursor{a, b}, true
}

func digits(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (c cursor) less(d cursor) bool {
	return c.ms < d.ms || (c.ms == d.ms && c.seq < d.seq)
}

// String returns the cursor as Redis writes it.
func (c cursor) String() string {
	return strconv.FormatUint(c.ms, 10) + "-" + strconv.FormatUint(c.seq, 10)
}

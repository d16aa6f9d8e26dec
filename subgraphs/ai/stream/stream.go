// Package stream is the chunk log of answers being generated, on Redis: it implements
// ai.StreamLog so that a client following an answer on any instance receives every chunk,
// and a client that reconnects with the byte offset it reached receives the rest, once and
// in order.
//
// Each answer has a log, the Redis stream ai:msg:<messageId>, whose entries are either a
// piece of text (fields o: its byte offset in the answer, e: the offset after it, t: the
// text) or the end (fields s: the final state, e: the answer's length, err: the reason of a
// failure). The log is contiguous: Append refuses a piece that does not start where the log
// ends, and anything after the end. It expires Retention (default 1 h) after its last
// write; by then the message is final in PostgreSQL and is read from there (Follow answers
// ai.ErrStreamGone). Append and Finish write the entry, refresh the expiry and publish it
// on the pub/sub channel ai:msgch:<messageId> in one Lua script, so every logged entry is
// published, in log order.
//
// Follow subscribes to the channel first, then replays the log from the client's offset,
// then forwards live entries, using offsets to skip what it delivered and to notice a gap (a
// message lost by pub/sub), which it fills from the log. A periodic check reads the log too,
// in case the very last message was lost.
package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/errs"
	"fedstack/platform/pubsub"
	"fedstack/subgraphs/ai"
)

// Defaults of Options.
const (
	DefaultRetention     = time.Hour
	DefaultCheckInterval = time.Second
)

// Options tune a Log; zero values take the defaults.
type Options struct {
	// Retention is how long an answer's log is kept after its last write (default 1 h).
	Retention time.Duration
	// CheckInterval is how often a follower that received nothing reads the log, in case
	// a pub/sub message was lost (default 1 s).
	CheckInterval time.Duration
	// Logger receives warnings; default slog.Default().
	Logger *slog.Logger
}

// Log is the answers' chunk log on Redis. It is safe for concurrent use and owns no
// goroutine except one per Follow, which ends with its context or the answer.
type Log struct {
	rdb    *redis.Client
	broker *pubsub.Broker
	opts   Options
}

var _ ai.StreamLog = (*Log)(nil)

// Event is what a follower receives (an alias of ai.StreamEvent).
type Event = ai.StreamEvent

// Done ends an answer (an alias of ai.StreamDone).
type Done = ai.StreamDone

// New returns a Log writing through rdb and receiving live entries through broker (the
// process's one pub/sub connection). The caller closes both.
func New(rdb *redis.Client, broker *pubsub.Broker, opts Options) *Log {
	if opts.Retention <= 0 {
		opts.Retention = DefaultRetention
	}
	if opts.CheckInterval <= 0 {
		opts.CheckInterval = DefaultCheckInterval
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Log{rdb: rdb, broker: broker, opts: opts}
}

// Key is the Redis stream holding an answer's log.
func Key(messageID string) string { return "ai:msg:" + messageID }

// Channel is the pub/sub channel of an answer's live entries.
func Channel(messageID string) string { return "ai:msgch:" + messageID }

// The scripts share their check: the log must not be finished and must end at ARGV[2].
// A published message is "<entry id>\n<kind>\n<offset>\n<rest>": kind t with the text as
// rest, kind d with "<state>\n<error>" as rest; raw bytes, so offsets stay exact.
const checkTail = `
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local nxt = 0
if top[1] then
  local f = top[1][2]
  for i = 1, #f, 2 do
    if f[i] == 's' then return redis.error_reply('FINISHED the answer has ended') end
    if f[i] == 'e' then nxt = tonumber(f[i+1]) end
  end
end
local off = tonumber(ARGV[2])
if off ~= nxt then return redis.error_reply('OFFSET ' .. nxt) end
`

// appendScript: KEYS[1] the log; ARGV: channel, offset, text, retention ms.
var appendScript = redis.NewScript(checkTail + `
local e = off + string.len(ARGV[3])
local id = redis.call('XADD', KEYS[1], '*', 'o', off, 'e', e, 't', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[1], id .. '\nt\n' .. off .. '\n' .. ARGV[3])
return id
`)

// finishScript: KEYS[1] the log; ARGV: channel, length, state, error, retention ms.
var finishScript = redis.NewScript(checkTail + `
local id = redis.call('XADD', KEYS[1], '*', 's', ARGV[3], 'e', off, 'err', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PUBLISH', ARGV[1], id .. '\nd\n' .. off .. '\n' .. ARGV[3] .. '\n' .. ARGV[4])
return id
`)

// ErrOffset is matched (errors.Is) by the error of an Append or Finish whose offset is not
// where the log ends; the *OffsetError says where it ends.
var ErrOffset = errors.New("offset is not the end of the answer's log")

// ErrFinished is matched by the error of an Append or Finish after the log's end.
var ErrFinished = errors.New("the answer's log has ended")

// OffsetError is an Append or Finish at the wrong offset.
type OffsetError struct {
	Want int // where the log ends
	Got  int
}

// Error says both offsets.
func (e *OffsetError) Error() string {
	return fmt.Sprintf("append at offset %d, but the answer's log ends at %d", e.Got, e.Want)
}

// Is matches ErrOffset.
func (e *OffsetError) Is(target error) bool { return target == ErrOffset }

func scriptErr(err error, got int) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "OFFSET "):
		want, _ := strconv.Atoi(strings.TrimPrefix(msg, "OFFSET "))
		return errs.Wrap(&OffsetError{Want: want, Got: got}, "writing an answer's chunk log")
	case strings.HasPrefix(msg, "FINISHED"):
		return errs.Wrap(ErrFinished, "writing an answer's chunk log")
	}
	return errs.Wrap(err, "writing an answer's chunk log on Redis")
}

// Open creates the log of a new answer (an empty piece at offset 0), so that followers
// find it before the first chunk. It is harmless on a log that is still empty.
func (l *Log) Open(ctx context.Context, messageID string) error {
	return l.Append(ctx, messageID, 0, "")
}

// Append adds text at byte offset offset, which must be where the log ends (the length
// of the text appended so far); otherwise the error matches ErrOffset (and ErrFinished
// after Finish). It publishes the piece to the followers.
func (l *Log) Append(ctx context.Context, messageID string, offset int, text string) error {
	err := appendScript.Run(ctx, l.rdb, []string{Key(messageID)},
		Channel(messageID), offset, text, l.opts.Retention.Milliseconds()).Err()
	if err != nil {
		return scriptErr(err, offset)
	}
	return nil
}

// Finish ends the log at length (the answer's length in bytes, which must be where the
// log ends) with d, and publishes the end to the followers.
func (l *Log) Finish(ctx context.Context, messageID string, length int, d Done) error {
	err := finishScript.Run(ctx, l.rdb, []string{Key(messageID)},
		Channel(messageID), length, string(d.State), d.Error, l.opts.Retention.Milliseconds()).Err()
	if err != nil {
		return scriptErr(err, length)
	}
	return nil
}

// Follow delivers the answer from byte offset from: first what the log holds, then live
// pieces, each once and in order, ending with the Done event, after which the channel
// closes. It also closes, without Done, when ctx ends or the log disappears while
// following (expired, or Redis lost it): the caller then reads the message from the store.
// When there is no log at all it returns an error matching ai.ErrStreamGone: the message
// is read from the store. It returns once live delivery is in place.
func (l *Log) Follow(ctx context.Context, messageID string, from int) (<-chan Event, error) {
	if from < 0 {
		return nil, &errs.Error{Code: errs.Invalid, Field: "offset", Message: "the offset must be 0 or the offset of the last chunk received plus its length"}
	}
	sctx, cancel := context.WithCancel(ctx)
	live, err := l.broker.Subscribe(sctx, Channel(messageID))
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errs.Wrap(err, "subscribing to an answer's chunks on Redis")
	}
	f := &follower{log: l, key: Key(messageID), id: messageID, live: live, pos: from,
		out: make(chan Event), lastID: "-"}
	found, err := f.readLog(sctx)
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, errs.Wrap(err, "reading an answer's chunk log on Redis")
	}
	if !found {
		cancel()
		return nil, ai.ErrStreamGone
	}
	go func() {
		defer cancel()
		f.run(sctx)
	}()
	return f.out, nil
}

// follower is one Follow call; its fields belong to its goroutine.
type follower struct {
	log  *Log
	key  string
	id   string
	live <-chan []byte
	out  chan Event
	// pos is the offset of the next byte to deliver; lastID the last log entry seen.
	pos    int
	lastID string
	// pending are events not yet taken by the reader (adjacent texts merged); done is set
	// once the Done event is queued.
	pending []Event
	done    bool
}

func (f *follower) run(ctx context.Context) {
	defer close(f.out)
	tick := time.NewTicker(f.log.opts.CheckInterval)
	defer tick.Stop()
	for {
		if f.done && len(f.pending) == 0 {
			return
		}
		var send chan<- Event
		var next Event
		if len(f.pending) > 0 {
			send, next = f.out, f.pending[0]
		}
		select {
		case <-ctx.Done():
			return
		case send <- next:
			f.pending = f.pending[1:]
		case payload, ok := <-f.live:
			if !ok {
				return // the broker closed
			}
			if !f.done && !f.onLive(payload) {
				if found, err := f.readLog(ctx); err != nil {
					f.log.opts.Logger.Warn("answer stream: reading the log failed", "message_id", f.id, "error", err)
				} else if !found {
					return
				}
			}
		case <-tick.C:
			if f.done {
				continue
			}
			found, err := f.readLog(ctx)
			if err != nil {
				f.log.opts.Logger.Warn("answer stream: reading the log failed", "message_id", f.id, "error", err)
			} else if !found {
				return // the log is gone: the caller reads the store
			}
		}
	}
}

// onLive takes a published entry; it returns false when the entry does not continue what
// was delivered (a gap), so the log must be read.
func (f *follower) onLive(payload []byte) bool {
	parts := strings.SplitN(string(payload), "\n", 4)
	if len(parts) != 4 {
		f.log.opts.Logger.Warn("answer stream: ignoring a malformed message", "message_id", f.id)
		return true
	}
	id, kind, rest := parts[0], parts[1], parts[3]
	off, err := strconv.Atoi(parts[2])
	if err != nil || !idLess(f.lastID, id) {
		return true // seen already (or malformed)
	}
	switch kind {
	case "t":
		if off > f.pos {
			return false
		}
		f.text(off, rest)
	case "d":
		if off > f.pos {
			return false
		}
		state, msg, _ := strings.Cut(rest, "\n")
		f.finish(off, state, msg)
	}
	f.lastID = id
	return true
}

func (f *follower) text(off int, t string) {
	end := off + len(t)
	if end <= f.pos || off > f.pos {
		return
	}
	t = t[f.pos-off:]
	if n := len(f.pending); n > 0 && f.pending[n-1].Done == nil && f.pending[n-1].Offset+len(f.pending[n-1].Text) == f.pos {
		f.pending[n-1].Text += t
	} else {
		f.pending = append(f.pending, Event{Offset: f.pos, Text: t})
	}
	f.pos = end
}

func (f *follower) finish(length int, state, msg string) {
	f.pending = append(f.pending, Event{Offset: max(length, f.pos), Done: &Done{State: ai.State(state), Error: msg}})
	f.done = true
}

// readLog queues the log's entries after lastID; it returns false when the log does not
// exist.
func (f *follower) readLog(ctx context.Context) (bool, error) {
	for !f.done {
		start := "-"
		if f.lastID != "-" {
			start = "(" + f.lastID
		}
		entries, err := f.log.rdb.XRangeN(ctx, f.key, start, "+", 512).Result()
		if err != nil {
			return false, err
		}
		if len(entries) == 0 {
			n, err := f.log.rdb.Exists(ctx, f.key).Result()
			return n == 1, err
		}
		for _, e := range entries {
			f.lastID = e.ID
			v := func(k string) string { s, _ := e.Values[k].(string); return s }
			end, _ := strconv.Atoi(v("e"))
			if s := v("s"); s != "" {
				f.finish(end, s, v("err"))
				break
			}
			off, _ := strconv.Atoi(v("o"))
			f.text(off, v("t"))
		}
		if len(entries) < 512 {
			break
		}
	}
	return true, nil
}

// idLess compares stream entry ids "<ms>-<seq>" ("-" is before all).
func idLess(a, b string) bool {
	if a == "-" {
		return true
	}
	am, as, _ := strings.Cut(a, "-")
	bm, bs, _ := strings.Cut(b, "-")
	if len(am) != len(bm) {
		return len(am) < len(bm)
	}
	if am != bm {
		return am < bm
	}
	if len(as) != len(bs) {
		return len(as) < len(bs)
	}
	return as < bs
}

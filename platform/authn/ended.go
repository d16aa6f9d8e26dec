package authn

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/pubsub"
)

// revokedFor is how long an ended session is remembered: longer than any access token
// of it can live.
const revokedFor = RevokedSessionTTL

// EndedSessions knows which sessions have ended (see revocation.go), so their access
// tokens are refused before they expire and their websockets can be closed. The router and
// every subgraph keep one, following SessionTerminatedChannel.
type EndedSessions struct {
	rdb    *redis.Client
	logger *slog.Logger

	mu       sync.Mutex
	revoked  map[string]time.Time // session id -> until when to remember it
	checked  map[string]time.Time // session id -> when Redis last said it is live
	watchers map[string]map[*sessionWatcher]struct{}
}

type sessionWatcher struct{ onEnd func() }

// NewEndedSessions returns an empty set; rdb (may be nil) answers for sessions not seen yet.
func NewEndedSessions(rdb *redis.Client, logger *slog.Logger) *EndedSessions {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &EndedSessions{
		rdb: rdb, logger: logger,
		revoked:  map[string]time.Time{},
		checked:  map[string]time.Time{},
		watchers: map[string]map[*sessionWatcher]struct{}{},
	}
}

// Listen follows session terminations until ctx ends; it returns once subscribed.
func (s *EndedSessions) Listen(ctx context.Context, broker *pubsub.Broker) error {
	events, err := broker.Subscribe(ctx, SessionTerminatedChannel)
	if err != nil {
		return err
	}
	go func() {
		for payload := range events {
			var ev struct {
				SessionID string `json:"sessionId"`
			}
			if err := json.Unmarshal(payload, &ev); err != nil || ev.SessionID == "" {
				s.logger.Warn("ignoring a malformed session event", "channel", SessionTerminatedChannel)
				continue
			}
			s.End(ev.SessionID)
		}
	}()
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case now := <-t.C:
				s.forget(now)
			}
		}
	}()
	return nil
}

// End marks a session ended and calls its watchers.
func (s *EndedSessions) End(sid string) {
	s.mu.Lock()
	s.revoked[sid] = time.Now().Add(revokedFor)
	delete(s.checked, sid)
	var closing []*sessionWatcher
	for w := range s.watchers[sid] {
		closing = append(closing, w)
	}
	delete(s.watchers, sid)
	s.mu.Unlock()
	for _, w := range closing {
		w.onEnd()
	}
}

func (s *EndedSessions) forget(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sid, until := range s.revoked {
		if now.After(until) {
			delete(s.revoked, sid)
		}
	}
	for sid, at := range s.checked {
		if now.Sub(at) > revokedFor {
			delete(s.checked, sid)
		}
	}
}

// ErrSessionEnded is what a token of an ended session gets.
var ErrSessionEnded = errors.New("this session has ended: sign in again")

// Check refuses a session that has ended. A session this router has not seen yet is looked
// up once in Redis (it may have ended before this router started); after that the
// terminations channel keeps this router current.
func (s *EndedSessions) Check(ctx context.Context, sid string) error {
	if sid == "" {
		return nil
	}
	s.mu.Lock()
	_, ended := s.revoked[sid]
	_, known := s.checked[sid]
	s.mu.Unlock()
	if ended {
		return ErrSessionEnded
	}
	if known || s.rdb == nil {
		return nil
	}
	n, err := s.rdb.Exists(ctx, RevokedSessionKeyPrefix+sid).Result()
	if err != nil {
		// Redis down: the token itself was verified; say so in the log and let it pass.
		s.logger.WarnContext(ctx, "cannot check whether a session has ended", "error", err.Error())
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 {
		s.revoked[sid] = time.Now().Add(revokedFor)
		return ErrSessionEnded
	}
	if _, ended := s.revoked[sid]; ended { // ended while we asked
		return ErrSessionEnded
	}
	s.checked[sid] = time.Now()
	return nil
}

// Watch calls onEnd when the session ends; the returned func stops watching.
func (s *EndedSessions) Watch(sid string, onEnd func()) (stop func()) {
	w := &sessionWatcher{onEnd: onEnd}
	s.mu.Lock()
	if _, ended := s.revoked[sid]; ended {
		s.mu.Unlock()
		onEnd()
		return func() {}
	}
	if s.watchers[sid] == nil {
		s.watchers[sid] = map[*sessionWatcher]struct{}{}
	}
	s.watchers[sid][w] = struct{}{}
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.watchers[sid], w)
		if len(s.watchers[sid]) == 0 {
			delete(s.watchers, sid)
		}
		s.mu.Unlock()
	}
}

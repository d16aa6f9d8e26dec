package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"fedstack/platform/authn"
	"fedstack/platform/pubsub"
)

// The contract with the auth subgraph is in platform/authn (revocation.go).
const (
	SessionTerminatedChannel = authn.SessionTerminatedChannel
	RevokedSessionKeyPrefix  = authn.RevokedSessionKeyPrefix
	// revokedFor is how long a router remembers an ended session: longer than any access
	// token of it can live.
	revokedFor = authn.RevokedSessionTTL
)

// sessions knows which sessions have ended, so their access tokens are refused before
// they expire, and closes their websocket connections.
type sessions struct {
	rdb    *redis.Client
	logger *slog.Logger

	mu       sync.Mutex
	revoked  map[string]time.Time // session id -> until when to remember it
	checked  map[string]time.Time // session id -> when Redis last said it is live
	watchers map[string]map[*sessionWatcher]struct{}
}

type sessionWatcher struct{ onEnd func() }

func newSessions(rdb *redis.Client, logger *slog.Logger) *sessions {
	return &sessions{
		rdb: rdb, logger: logger,
		revoked:  map[string]time.Time{},
		checked:  map[string]time.Time{},
		watchers: map[string]map[*sessionWatcher]struct{}{},
	}
}

// listen follows session terminations until ctx ends; it returns once subscribed.
func (s *sessions) listen(ctx context.Context, broker *pubsub.Broker) error {
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
			s.end(ev.SessionID)
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

// end marks a session ended and closes its websocket connections.
func (s *sessions) end(sid string) {
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

func (s *sessions) forget(now time.Time) {
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

// errSessionEnded is what a token of an ended session gets.
var errSessionEnded = errors.New("this session has ended: sign in again")

// check refuses a session that has ended. A session this router has not seen yet is looked
// up once in Redis (it may have ended before this router started); after that the
// terminations channel keeps this router current.
func (s *sessions) check(ctx context.Context, sid string) error {
	if sid == "" {
		return nil
	}
	s.mu.Lock()
	_, ended := s.revoked[sid]
	_, known := s.checked[sid]
	s.mu.Unlock()
	if ended {
		return errSessionEnded
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
		return errSessionEnded
	}
	if _, ended := s.revoked[sid]; ended { // ended while we asked
		return errSessionEnded
	}
	s.checked[sid] = time.Now()
	return nil
}

// watch calls onEnd when the session ends; the returned func stops watching.
func (s *sessions) watch(sid string, onEnd func()) (stop func()) {
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

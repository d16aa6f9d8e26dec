package ai

import (
	"context"
	"time"
)

// RoleLimits are the limits of one role: messages per minute (a sliding window of 60 s) and
// tokens (prompt and answer) per UTC day.
type RoleLimits struct {
	MessagesPerMinute int
	TokensPerDay      int64
}

// Limits are the limits per role (USER, PRO, ADMIN). A role missing from the map has
// USER's limits.
type Limits map[string]RoleLimits

// DefaultLimits are the limits when the configuration sets none.
var DefaultLimits = Limits{
	UserRoleUser:  {MessagesPerMinute: 10, TokensPerDay: 200_000},
	UserRolePro:   {MessagesPerMinute: 60, TokensPerDay: 2_000_000},
	UserRoleAdmin: {MessagesPerMinute: 120, TokensPerDay: 10_000_000},
}

// For returns the limits of role.
func (l Limits) For(role string) RoleLimits {
	if r, ok := l[role]; ok {
		return r
	}
	return l[UserRoleUser]
}

// LimitStatus is what a user may still send.
type LimitStatus struct {
	Role              string
	MessagesPerMinute int
	// MessagesLeft is how many more messages may be sent now.
	MessagesLeft int
	TokensPerDay int64
	// TokensToday counts the tokens of today's (UTC) answers so far.
	TokensToday int64
	// TokensResetAt is the next midnight UTC, when the day's count starts again.
	TokensResetAt time.Time
}

// Limiter counts what each user sends (implemented on Redis by package limits, so the
// counts hold across instances).
type Limiter interface {
	// TakeMessage counts one message of userID sent at now, unless perMinute messages
	// were already counted in the 60 s before now: then nothing is counted and retryAfter
	// is when the oldest of them leaves the window.
	TakeMessage(ctx context.Context, userID string, perMinute int, now time.Time) (ok bool, retryAfter time.Duration, err error)
	// ReturnMessage uncounts the message counted at now by TakeMessage (the send failed
	// before anything was stored).
	ReturnMessage(ctx context.Context, userID string, now time.Time) error
	// MessagesInWindow counts userID's messages in the 60 s before now.
	MessagesInWindow(ctx context.Context, userID string, now time.Time) (int, error)
	// AddTokens adds n tokens to userID's count of the UTC day of day.
	AddTokens(ctx context.Context, userID string, day time.Time, n int64) error
	// Tokens returns userID's count of the UTC day of day.
	Tokens(ctx context.Context, userID string, day time.Time) (int64, error)
}

// CachedAnswer is an answer kept by the prompt cache.
type CachedAnswer struct {
	Text      string `json:"text"`
	TokensIn  int    `json:"tokensIn"`
	TokensOut int    `json:"tokensOut"`
}

// PromptCache keeps answers to single-turn prompts (implemented on Redis by package
// cache). Keys are opaque strings computed by the Chat.
type PromptCache interface {
	// Get returns the answer stored under key; ok is false when there is none.
	Get(ctx context.Context, key string) (a *CachedAnswer, ok bool, err error)
	// Put stores a under key for ttl.
	Put(ctx context.Context, key string, a CachedAnswer, ttl time.Duration) error
}

// StopSignal carries requests to stop an answer to whichever instance generates it
// (implemented on Redis pub/sub by package stream).
type StopSignal interface {
	// RequestStop asks every instance to stop generating the answer messageID.
	RequestStop(ctx context.Context, messageID string) error
	// Listen delivers the ids of answers to stop until ctx ends.
	Listen(ctx context.Context) (<-chan string, error)
}

package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"fedstack/platform/errs"
)

// dummyHash is an argon2id hash (same parameters as real ones) of a random
// password nobody knows. Login verifies against it when the email is unknown, so
// an unknown email costs the same time as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$IezfNztArkJp5lOOtNMc8A$ZXHynaLzrh3/1oTu3rRgYKCru5u38DRk1om7MxqQH/g"

// maxLoginPasswordBytes: a longer password cannot belong to any account (signup
// caps it at 128 characters, at most 512 bytes), so it is refused without hashing.
const maxLoginPasswordBytes = 4 * MaxPasswordLength

// publishTimeout bounds the Redis publish that follows a commit.
const publishTimeout = 2 * time.Second

// ServiceConfig holds what Service depends on.
type ServiceConfig struct {
	Store  UserStore
	Tokens TokenIssuer
	Hasher *PasswordHasher
	Events Publisher        // optional: nil publishes nothing
	Revoke Revoker          // optional: nil revokes nothing beyond the database row
	Logger *slog.Logger     // optional
	Now    func() time.Time // optional: time.Now
}

// Service implements AuthService and UserService on top of a UserStore, a
// TokenIssuer and a Publisher.
type Service struct {
	store  UserStore
	tokens TokenIssuer
	hasher *PasswordHasher
	events Publisher
	revoke Revoker
	logger *slog.Logger
	now    func() time.Time
}

var (
	_ AuthService = (*Service)(nil)
	_ UserService = (*Service)(nil)
)

// NewService returns a Service.
func NewService(cfg ServiceConfig) *Service {
	s := &Service{
		store:  cfg.Store,
		tokens: cfg.Tokens,
		hasher: cfg.Hasher,
		events: cfg.Events,
		revoke: cfg.Revoke,
		logger: cfg.Logger,
		now:    cfg.Now,
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.hasher == nil {
		s.hasher = NewPasswordHasher(1)
	}
	return s
}

// Signup implements AuthService.
func (s *Service) Signup(ctx context.Context, in SignupInput) (*AuthPayload, error) {
	in, err := ValidateSignup(in)
	if err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, errs.Wrap(err, "hashing password")
	}
	user, session, err := s.store.CreateUserWithSession(ctx, NewUser{
		Email:        in.Email,
		Name:         in.Name,
		Role:         RoleUser,
		PasswordHash: hash,
	})
	if err != nil {
		return nil, err
	}
	return s.signedIn(ctx, user, session)
}

// Login implements AuthService.
func (s *Service) Login(ctx context.Context, in LoginInput) (*AuthPayload, error) {
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if len(in.Password) > maxLoginPasswordBytes || len(email) > MaxEmailLength {
		return nil, errs.E(errs.Unauthenticated, ErrBadCredentials)
	}
	user, hash, err := s.store.CredentialsByEmail(ctx, email)
	if errs.CodeOf(err) == errs.NotFound {
		// Spend the same time as for a known email.
		if _, err := s.hasher.Verify(ctx, in.Password, dummyHash); err != nil {
			return nil, errs.Wrap(err, "verifying dummy password")
		}
		return nil, errs.E(errs.Unauthenticated, ErrBadCredentials)
	}
	if err != nil {
		return nil, err
	}
	ok, err := s.hasher.Verify(ctx, in.Password, hash)
	if err != nil {
		return nil, errs.Wrap(err, "verifying password of user %s", user.ID)
	}
	if !ok {
		return nil, errs.E(errs.Unauthenticated, ErrBadCredentials)
	}
	user, session, err := s.store.RecordLogin(ctx, user.ID)
	if err != nil {
		return nil, err
	}
	return s.signedIn(ctx, user, session)
}

// signedIn issues the access token for a committed session and announces it.
func (s *Service) signedIn(ctx context.Context, user *User, session *Session) (*AuthPayload, error) {
	token, exp, err := s.tokens.IssueAccessToken(user.ID, session.ID, user.Role)
	if err != nil {
		return nil, errs.Wrap(err, "signing access token")
	}
	ev := SessionEvent{UserID: user.ID, SessionID: session.ID, At: session.CreatedAt.UTC()}
	s.publish(ctx, EventSessionCreated, ev)
	s.publish(ctx, EventUserLogin, ev)
	return &AuthPayload{AccessToken: token, ExpiresAt: exp, User: user, Session: session}, nil
}

// publish sends an event after its row committed. A failure is logged, not
// returned: the user is signed in either way.
func (s *Service) publish(ctx context.Context, channel string, ev SessionEvent) {
	if s.events == nil {
		return
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		s.logger.ErrorContext(ctx, "encoding event", "channel", channel, "error", err)
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if err := s.events.Publish(pctx, channel, payload); err != nil {
		s.logger.WarnContext(ctx, "publishing event failed", "channel", channel, "error", err)
	}
}

// UserByID implements UserService.
func (s *Service) UserByID(ctx context.Context, id string) (*User, error) {
	return s.store.UserByID(ctx, id)
}

// UsersByIDs implements UserService.
func (s *Service) UsersByIDs(ctx context.Context, ids []string) ([]*User, error) {
	if len(ids) == 0 {
		return []*User{}, nil
	}
	return s.store.UsersByIDs(ctx, ids)
}

// Logout implements AuthService.
func (s *Service) Logout(ctx context.Context, userID, sessionID string, scope LogoutScope) (int, error) {
	var (
		ended []string
		err   error
	)
	switch scope {
	case LogoutThisSession, "":
		ended, err = s.store.EndSessions(ctx, userID, sessionID, true)
	case LogoutOtherSessions:
		ended, err = s.store.EndSessions(ctx, userID, sessionID, false)
	case LogoutAllSessions:
		ended, err = s.store.EndSessions(ctx, userID, "", false)
	default:
		return 0, invalid("scope", fmt.Sprintf("scope %q is not one of THIS_SESSION, OTHER_SESSIONS, ALL_SESSIONS", scope))
	}
	if err != nil {
		return 0, err
	}
	now := s.now().UTC()
	for _, sid := range ended {
		// Revoke before announcing: a router that hears the event, or starts later, must
		// find the session ended.
		if s.revoke != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
			if err := s.revoke.Revoke(rctx, sid); err != nil {
				s.logger.ErrorContext(ctx, "revoking an ended session failed", "session_id", sid, "error", err)
			}
			cancel()
		}
		s.publish(ctx, EventSessionTerminated, SessionEvent{UserID: userID, SessionID: sid, At: now})
	}
	if len(ended) > 0 {
		s.publish(ctx, EventUserLogout, SessionEvent{UserID: userID, SessionID: sessionID, At: now})
	}
	return len(ended), nil
}

package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"fedstack/platform/errs"
	"fedstack/subgraphs/auth/commonpasswords"
	"fedstack/subgraphs/auth/mail"
	"fedstack/subgraphs/auth/ratelimit"
	"fedstack/subgraphs/auth/useragent"
)

// dummyHash is an argon2id hash (same parameters as real ones) of a random
// password nobody knows. Login verifies against it when the email is unknown, so
// an unknown email costs the same time as a wrong password.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$IezfNztArkJp5lOOtNMc8A$ZXHynaLzrh3/1oTu3rRgYKCru5u38DRk1om7MxqQH/g"

// maxLoginPasswordBytes: a longer password cannot belong to any account (signup
// caps it at 128 characters, at most 512 bytes), so it is refused without hashing.
const maxLoginPasswordBytes = 4 * MaxPasswordLength

// sideEffectTimeout bounds the Redis publish, revocation, audit write or mail that
// follows a commit.
const sideEffectTimeout = 5 * time.Second

// Defaults of Policy.
const (
	DefaultSessionIdle     = 7 * 24 * time.Hour
	DefaultSessionMaxAge   = 30 * 24 * time.Hour
	DefaultRefreshGrace    = 10 * time.Second
	DefaultVerifyLinkTTL   = 24 * time.Hour
	DefaultResetLinkTTL    = 30 * time.Minute
	DefaultLockoutBase     = 30 * time.Second
	DefaultLockoutMax      = 15 * time.Minute
	DefaultLockoutAfter    = 5
	DefaultLoginPerIP      = 60  // per minute
	DefaultSignupPerIP     = 100 // per hour
	DefaultResetPerIP      = 20  // per hour
	DefaultResetPerAccount = 3   // per hour
	DefaultMailPerAccount  = 5   // verification mails per hour
)

// Policy holds the rules with defaults that operators may change.
type Policy struct {
	// SessionIdle ends a session not refreshed for this long.
	SessionIdle time.Duration
	// SessionMaxAge ends a session this long after its sign-in, refreshed or not.
	SessionMaxAge time.Duration
	// RefreshGrace is how long a used refresh token still returns its child.
	RefreshGrace time.Duration
	// VerifyLinkTTL and ResetLinkTTL are how long mailed links work.
	VerifyLinkTTL time.Duration
	ResetLinkTTL  time.Duration
	// LoginPerIP, SignupPerIP, ResetPerIP, ResetPerAccount and MailPerAccount are
	// rate limits; Lockout grows the wait after repeated failed logins of an account.
	LoginPerIP      ratelimit.Rule
	SignupPerIP     ratelimit.Rule
	ResetPerIP      ratelimit.Rule
	ResetPerAccount ratelimit.Rule
	MailPerAccount  ratelimit.Rule
	Lockout         ratelimit.LockoutPolicy
}

// DefaultPolicy returns the documented defaults.
func DefaultPolicy() Policy {
	return Policy{
		SessionIdle:     DefaultSessionIdle,
		SessionMaxAge:   DefaultSessionMaxAge,
		RefreshGrace:    DefaultRefreshGrace,
		VerifyLinkTTL:   DefaultVerifyLinkTTL,
		ResetLinkTTL:    DefaultResetLinkTTL,
		LoginPerIP:      ratelimit.Rule{Name: "login-ip", Limit: DefaultLoginPerIP, Window: time.Minute},
		SignupPerIP:     ratelimit.Rule{Name: "signup-ip", Limit: DefaultSignupPerIP, Window: time.Hour},
		ResetPerIP:      ratelimit.Rule{Name: "reset-ip", Limit: DefaultResetPerIP, Window: time.Hour},
		ResetPerAccount: ratelimit.Rule{Name: "reset-account", Limit: DefaultResetPerAccount, Window: time.Hour},
		MailPerAccount:  ratelimit.Rule{Name: "verify-mail", Limit: DefaultMailPerAccount, Window: time.Hour},
		Lockout: ratelimit.LockoutPolicy{
			Threshold: DefaultLockoutAfter, Base: DefaultLockoutBase, Max: DefaultLockoutMax, Memory: 24 * time.Hour,
		},
	}
}

// Limiter counts attempts (package ratelimit implements it on Redis).
type Limiter interface {
	Allow(ctx context.Context, r ratelimit.Rule, key string) error
	Locked(ctx context.Context, p ratelimit.LockoutPolicy, account string) error
	Failed(ctx context.Context, p ratelimit.LockoutPolicy, account string) error
	Succeeded(ctx context.Context, p ratelimit.LockoutPolicy, account string) error
}

// Mailer sends mail (package mail: SMTP, or the development outbox).
type Mailer interface {
	Send(ctx context.Context, m mail.Message) error
}

// ServiceConfig holds what Service depends on.
type ServiceConfig struct {
	Store   UserStore
	Tokens  TokenIssuer
	Refresh *RefreshTokens
	Hasher  *PasswordHasher
	Limiter Limiter          // optional: nil limits nothing
	Mailer  Mailer           // optional: nil sends no mail (verification and reset then fail)
	Events  Publisher        // optional: nil publishes nothing
	Revoke  Revoker          // optional: nil revokes nothing beyond the database row
	Logger  *slog.Logger     // optional
	Now     func() time.Time // optional: time.Now
	// PublicURL is the web origin mailed links point at (http://localhost:5173).
	PublicURL string
	// Policy: zero fields take DefaultPolicy's values.
	Policy Policy
}

// Service implements AuthService, AdminService and UserService.
type Service struct {
	store     UserStore
	tokens    TokenIssuer
	refresh   *RefreshTokens
	hasher    *PasswordHasher
	limiter   Limiter
	mailer    Mailer
	events    Publisher
	revoke    Revoker
	logger    *slog.Logger
	now       func() time.Time
	publicURL string
	policy    Policy
}

var (
	_ AuthService  = (*Service)(nil)
	_ AdminService = (*Service)(nil)
	_ UserService  = (*Service)(nil)
)

// NewService returns a Service.
func NewService(cfg ServiceConfig) *Service {
	s := &Service{
		store:     cfg.Store,
		tokens:    cfg.Tokens,
		refresh:   cfg.Refresh,
		hasher:    cfg.Hasher,
		limiter:   cfg.Limiter,
		mailer:    cfg.Mailer,
		events:    cfg.Events,
		revoke:    cfg.Revoke,
		logger:    cfg.Logger,
		now:       cfg.Now,
		publicURL: strings.TrimRight(cfg.PublicURL, "/"),
		policy:    withDefaults(cfg.Policy),
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
	if s.refresh == nil {
		s.refresh = NewRefreshTokens("fedstack-dev-refresh-secret")
	}
	if s.publicURL == "" {
		s.publicURL = "http://localhost:5173"
	}
	return s
}

func withDefaults(p Policy) Policy {
	d := DefaultPolicy()
	if p.SessionIdle <= 0 {
		p.SessionIdle = d.SessionIdle
	}
	if p.SessionMaxAge <= 0 {
		p.SessionMaxAge = d.SessionMaxAge
	}
	if p.RefreshGrace <= 0 {
		p.RefreshGrace = d.RefreshGrace
	}
	if p.VerifyLinkTTL <= 0 {
		p.VerifyLinkTTL = d.VerifyLinkTTL
	}
	if p.ResetLinkTTL <= 0 {
		p.ResetLinkTTL = d.ResetLinkTTL
	}
	rule := func(r *ratelimit.Rule, def ratelimit.Rule) {
		if r.Name == "" {
			r.Name = def.Name
		}
		if r.Limit <= 0 {
			r.Limit = def.Limit
		}
		if r.Window <= 0 {
			r.Window = def.Window
		}
	}
	rule(&p.LoginPerIP, d.LoginPerIP)
	rule(&p.SignupPerIP, d.SignupPerIP)
	rule(&p.ResetPerIP, d.ResetPerIP)
	rule(&p.ResetPerAccount, d.ResetPerAccount)
	rule(&p.MailPerAccount, d.MailPerAccount)
	if p.Lockout.Threshold <= 0 {
		p.Lockout.Threshold = d.Lockout.Threshold
	}
	if p.Lockout.Base <= 0 {
		p.Lockout.Base = d.Lockout.Base
	}
	if p.Lockout.Max <= 0 {
		p.Lockout.Max = d.Lockout.Max
	}
	if p.Lockout.Memory <= 0 {
		p.Lockout.Memory = d.Lockout.Memory
	}
	return p
}

// Policy returns the rules in force (defaults filled in).
func (s *Service) Policy() Policy { return s.policy }

// allow applies a rate limit rule to key; an empty key (no client IP known) is not limited.
func (s *Service) allow(ctx context.Context, r ratelimit.Rule, key string) error {
	if s.limiter == nil || key == "" {
		return nil
	}
	return s.limiter.Allow(ctx, r, key)
}

// newSession describes the session a sign-in from ctx's client creates, and returns
// its first refresh token.
func (s *Service) newSession(ctx context.Context) (NewSession, string) {
	c := ClientFrom(ctx)
	rt := s.refresh.New()
	return NewSession{
		Client:      c,
		Device:      useragent.Describe(c.UserAgent),
		ExpiresAt:   s.now().Add(s.policy.SessionMaxAge),
		RefreshHash: HashToken(rt),
	}, rt
}

// checkNewPassword applies the length rule and the common-password list.
func checkNewPassword(field, p string) error {
	if err := ValidatePassword(p); err != nil {
		e := err.(*errs.Error)
		e.Field = field
		return e
	}
	// Spaces around a short password do not make it longer to guess.
	if utf8.RuneCountInString(strings.TrimSpace(p)) < MinPasswordLength {
		return invalid(field, "password must be 8 to 128 characters long, not counting spaces at the start and end")
	}
	if commonpasswords.Contains(p) {
		return invalid(field, ErrCommonPassword)
	}
	return nil
}

// Signup implements AuthService.
func (s *Service) Signup(ctx context.Context, in SignupInput) (*AuthPayload, error) {
	if err := s.allow(ctx, s.policy.SignupPerIP, ClientFrom(ctx).IP); err != nil {
		return nil, err
	}
	in, err := ValidateSignup(in)
	if err != nil {
		return nil, err
	}
	if err := checkNewPassword("password", in.Password); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, errs.Wrap(err, "hashing password")
	}
	ns, rt := s.newSession(ctx)
	user, session, err := s.store.CreateUserWithSession(ctx, NewUser{
		Email:        in.Email,
		Name:         in.Name,
		Role:         RoleUser,
		PasswordHash: hash,
	}, ns)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, AuditSignup, user.ID, user.ID, session.ID, nil)
	// The verification mail goes out after the answer; a failure is logged (the
	// user can ask for another one).
	go func() {
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideEffectTimeout)
		defer cancel()
		if err := s.sendVerification(mctx, user); err != nil {
			s.logger.WarnContext(ctx, "sending the verification mail failed", "user_id", user.ID, "error", err)
		}
	}()
	return s.signedIn(ctx, user, session, rt)
}

// Login implements AuthService.
func (s *Service) Login(ctx context.Context, in LoginInput) (*AuthPayload, error) {
	if err := s.allow(ctx, s.policy.LoginPerIP, ClientFrom(ctx).IP); err != nil {
		return nil, err
	}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if len(in.Password) > maxLoginPasswordBytes || len(email) > MaxEmailLength || email == "" {
		return nil, errs.E(errs.Unauthenticated, ErrBadCredentials)
	}
	if s.limiter != nil {
		if err := s.limiter.Locked(ctx, s.policy.Lockout, email); err != nil {
			return nil, err
		}
	}
	user, hash, err := s.store.CredentialsByEmail(ctx, email)
	known := err == nil
	if !known && errs.CodeOf(err) != errs.NotFound {
		return nil, err
	}
	if !known {
		hash = dummyHash // same time as for a known email
	}
	ok, err := s.hasher.Verify(ctx, in.Password, hash)
	if err != nil {
		return nil, errs.Wrap(err, "verifying a password")
	}
	if !ok || !known {
		userID := ""
		if known {
			userID = user.ID
		}
		s.audit(ctx, AuditLoginFailed, "", userID, "", map[string]string{"email": email})
		if s.limiter != nil {
			if err := s.limiter.Failed(ctx, s.policy.Lockout, email); err != nil {
				return nil, err
			}
		}
		return nil, errs.E(errs.Unauthenticated, ErrBadCredentials)
	}
	if !user.Active {
		return nil, errs.E(errs.Forbidden, ErrDeactivated)
	}
	if s.limiter != nil {
		if err := s.limiter.Succeeded(ctx, s.policy.Lockout, email); err != nil {
			s.logger.WarnContext(ctx, "clearing failed logins", "error", err)
		}
	}
	ns, rt := s.newSession(ctx)
	user, session, err := s.store.RecordLogin(ctx, user.ID, ns)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, AuditLogin, user.ID, user.ID, session.ID, nil)
	return s.signedIn(ctx, user, session, rt)
}

// signedIn issues the access token for a committed new session and announces it.
func (s *Service) signedIn(ctx context.Context, user *User, session *Session, refreshToken string) (*AuthPayload, error) {
	p, err := s.payload(user, session, refreshToken)
	if err != nil {
		return nil, err
	}
	ev := SessionEvent{UserID: user.ID, SessionID: session.ID, At: session.CreatedAt.UTC()}
	s.publish(ctx, EventSessionCreated, ev)
	s.publish(ctx, EventUserLogin, ev)
	return p, nil
}

func (s *Service) payload(user *User, session *Session, refreshToken string) (*AuthPayload, error) {
	token, exp, err := s.tokens.IssueAccessToken(user.ID, session.ID, user.Role)
	if err != nil {
		return nil, errs.Wrap(err, "signing access token")
	}
	return &AuthPayload{AccessToken: token, ExpiresAt: exp, RefreshToken: refreshToken, User: user, Session: session}, nil
}

// Refresh implements AuthService.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*AuthPayload, error) {
	refreshToken = strings.TrimSpace(refreshToken)
	if !s.refresh.WellFormed(refreshToken) {
		return nil, errs.E(errs.Unauthenticated, ErrRefreshInvalid)
	}
	child := s.refresh.Child(refreshToken)
	res, err := s.store.Refresh(ctx, RefreshRequest{
		TokenHash:   HashToken(refreshToken),
		ChildHash:   HashToken(child),
		Grace:       s.policy.RefreshGrace,
		IdleTimeout: s.policy.SessionIdle,
		Client:      ClientFrom(ctx),
	})
	if err != nil {
		return nil, err
	}
	switch res.Outcome {
	case RefreshRotated, RefreshReplayed:
		return s.payload(res.User, res.Session, child)
	case RefreshReused:
		s.logger.WarnContext(ctx, "a used refresh token came back: session ended",
			"user_id", res.User.ID, "session_id", res.Session.ID)
		s.audit(ctx, AuditRefreshReused, "", res.User.ID, res.Session.ID, nil)
		s.ended(ctx, res.User.ID, []string{res.Session.ID}, "refresh_token_reused")
		return nil, errs.E(errs.Unauthenticated, ErrRefreshReused)
	case RefreshExpired:
		s.ended(ctx, res.User.ID, []string{res.Session.ID}, "expired")
		return nil, errs.E(errs.Unauthenticated, ErrSessionEnded)
	case RefreshSessionEnded:
		return nil, errs.E(errs.Unauthenticated, ErrSessionEnded)
	default:
		return nil, errs.E(errs.Unauthenticated, ErrRefreshInvalid)
	}
}

// Logout implements AuthService.
func (s *Service) Logout(ctx context.Context, userID, sessionID string, scope LogoutScope) (int, error) {
	var (
		ended []string
		err   error
	)
	switch scope {
	case LogoutThisSession, "":
		ended, err = s.store.EndSessions(ctx, userID, sessionID, true, "logout")
	case LogoutOtherSessions:
		ended, err = s.store.EndSessions(ctx, userID, sessionID, false, "logout_others")
	case LogoutAllSessions:
		ended, err = s.store.EndSessions(ctx, userID, "", false, "logout_all")
	default:
		return 0, invalid("scope", "scope "+string(scope)+" is not one of THIS_SESSION, OTHER_SESSIONS, ALL_SESSIONS")
	}
	if err != nil {
		return 0, err
	}
	s.ended(ctx, userID, ended, "logout")
	if len(ended) > 0 {
		s.audit(ctx, AuditLogout, userID, userID, sessionID, map[string]string{"scope": string(scope)})
		s.publish(ctx, EventUserLogout, SessionEvent{UserID: userID, SessionID: sessionID, At: s.now().UTC()})
	}
	return len(ended), nil
}

// ended revokes sessions the store has just ended and announces each of them.
func (s *Service) ended(ctx context.Context, userID string, sessionIDs []string, reason string) {
	now := s.now().UTC()
	for _, sid := range sessionIDs {
		// Revoke before announcing: a router that hears the event, or starts later, must
		// find the session ended.
		if s.revoke != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideEffectTimeout)
			if err := s.revoke.Revoke(rctx, sid); err != nil {
				s.logger.ErrorContext(ctx, "revoking an ended session failed", "session_id", sid, "error", err)
			}
			cancel()
		}
		s.publish(ctx, EventSessionTerminated, SessionEvent{UserID: userID, SessionID: sid, At: now, Reason: reason})
	}
}

// publish sends an event after its row committed. A failure is logged, not
// returned: the change happened either way.
func (s *Service) publish(ctx context.Context, channel string, ev SessionEvent) {
	if s.events == nil {
		return
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		s.logger.ErrorContext(ctx, "encoding event", "channel", channel, "error", err)
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideEffectTimeout)
	defer cancel()
	if err := s.events.Publish(pctx, channel, payload); err != nil {
		s.logger.WarnContext(ctx, "publishing event failed", "channel", channel, "error", err)
	}
}

// audit appends to the audit log with the request's client. A failure is logged.
func (s *Service) audit(ctx context.Context, action, actorID, userID, sessionID string, detail map[string]string) {
	c := ClientFrom(ctx)
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideEffectTimeout)
	defer cancel()
	err := s.store.Audit(actx, AuditEvent{
		Action: action, ActorID: actorID, UserID: userID, SessionID: sessionID,
		IP: c.IP, UserAgent: c.UserAgent, Detail: detail,
	})
	if err != nil {
		s.logger.ErrorContext(ctx, "writing the audit log failed", "action", action, "error", err)
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

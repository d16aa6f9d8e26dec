// Package auth is the domain of the auth subgraph: users, roles, sessions, the
// rules their fields follow and the services the GraphQL resolvers (and later the
// REST routes) call. It does no I/O itself: storage, token signing and event
// publishing are interfaces implemented by the sub-packages and wired in server.
package auth

import (
	"context"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fedstack/platform/errs"
)

// Role says what a user may do. The values are the GraphQL enum values and the
// "role" claim of access tokens.
type Role string

const (
	RoleUser  Role = "USER"
	RolePro   Role = "PRO"
	RoleAdmin Role = "ADMIN"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleUser, RolePro, RoleAdmin:
		return true
	}
	return false
}

// User is a person with an account. The password hash never leaves the storage
// layer except through UserStore.CredentialsByEmail.
type User struct {
	ID    string
	Email string // lower-cased
	Name  string
	Role  Role
	// CreatedAt is when the account was created.
	CreatedAt time.Time
	// PasswordChangedAt is bumped when the password changes (internal; tokens
	// issued before it may be refused by later slices).
	PasswordChangedAt time.Time
	// LastLoginAt is nil until the first login.
	LastLoginAt *time.Time
	// UpdatedAt is when the account last changed.
	UpdatedAt time.Time
	// Active is false while an administrator has deactivated the account: it cannot
	// sign in and has no sessions.
	Active bool
	// EmailVerifiedAt is nil until the owner follows a verification (or reset) link.
	EmailVerifiedAt *time.Time
}

// Session is one signed-in device or tab family. Its ID is the "sid" claim of the
// access tokens issued for it.
type Session struct {
	ID        string
	UserID    string
	CreatedAt time.Time
	// LastSeenAt is the last sign-in or refresh; the session ends when it is older
	// than the idle timeout.
	LastSeenAt time.Time
	// ExpiresAt is the absolute end, fixed at sign-in.
	ExpiresAt time.Time
	RevokedAt *time.Time
	// Device is a label derived from UserAgent ("Firefox 133 on Linux").
	Device    string
	UserAgent string
	IP        string
}

// NewSession is what the store records for a sign-in: where it comes from, when it
// ends at the latest, and the hash of its first refresh token.
type NewSession struct {
	Client      Client
	Device      string
	ExpiresAt   time.Time
	RefreshHash []byte
}

// SignupInput is what a visitor sends to create an account.
type SignupInput struct {
	Email    string
	Password string
	Name     string
}

// LoginInput is what a user sends to sign in.
type LoginInput struct {
	Email    string
	Password string
}

// AuthPayload is the result of a signup, login or refresh: the user, their
// session, an access token for it and the refresh token that gets the next one.
type AuthPayload struct {
	AccessToken string
	ExpiresAt   time.Time
	// RefreshToken is opaque; it works once (see Refresh).
	RefreshToken string
	User         *User
	Session      *Session
}

// NewUser is a validated account ready to be stored.
type NewUser struct {
	Email        string
	Name         string
	Role         Role
	PasswordHash string
}

// AuthService signs people up and in, and manages their own account.
type AuthService interface {
	// Signup validates the input, creates the user and a session, and returns an
	// access token. Errors: INVALID (with Field), CONFLICT for a taken email,
	// RATE_LIMITED.
	Signup(ctx context.Context, in SignupInput) (*AuthPayload, error)
	// Login checks the credentials, records the login, creates a session and
	// returns an access token. Errors: UNAUTHENTICATED with ErrBadCredentials's
	// message for any wrong email or password; RATE_LIMITED while locked out.
	Login(ctx context.Context, in LoginInput) (*AuthPayload, error)
	// Refresh exchanges a refresh token for a new access token and a new refresh
	// token. A token used before gets UNAUTHENTICATED and ends its session, except
	// within the grace window, where it returns the same new token again.
	Refresh(ctx context.Context, refreshToken string) (*AuthPayload, error)
	// Logout ends sessions of the user: the given one, all others, or all. It returns how
	// many ended; each ended session is revoked (its tokens refused everywhere) and
	// announced on EventSessionTerminated.
	Logout(ctx context.Context, userID, sessionID string, scope LogoutScope) (int, error)
	// UpdateProfile changes the user's own name.
	UpdateProfile(ctx context.Context, userID string, in ProfileInput) (*User, error)
	// ChangePassword checks the current password, sets the new one and ends every
	// other session of the user; it returns how many ended.
	ChangePassword(ctx context.Context, userID, sessionID string, in ChangePasswordInput) (int, error)
	// Sessions lists the user's live sessions, newest first.
	Sessions(ctx context.Context, userID string) ([]*Session, error)
	// EndSession ends one of the user's sessions (NOT_FOUND if it is not theirs or
	// already ended).
	EndSession(ctx context.Context, userID, sessionID string) error
	// RequestEmailVerification mails the user a verification link.
	RequestEmailVerification(ctx context.Context, userID string) error
	// VerifyEmail marks the address of a verification link verified; each link
	// works once.
	VerifyEmail(ctx context.Context, token string) (*User, error)
	// RequestPasswordReset mails a reset link when the address has an account; it
	// answers the same either way.
	RequestPasswordReset(ctx context.Context, email string) error
	// ResetPassword sets a new password with a reset link's token (once) and ends
	// every session of the user.
	ResetPassword(ctx context.Context, token, newPassword string) error
}

// AdminService is what administrators may do. Every method checks that actorID is
// an active ADMIN (FORBIDDEN otherwise) before anything else.
type AdminService interface {
	// Users lists accounts, newest first, filtered, one page at a time.
	Users(ctx context.Context, actorID string, f UserFilter, page Page) (*UserPage, error)
	// SetRole changes a user's role.
	SetRole(ctx context.Context, actorID, userID string, role Role) (*User, error)
	// SetActive deactivates (ending every session) or reactivates a user.
	SetActive(ctx context.Context, actorID, userID string, active bool) (*User, error)
	// EndUserSessions ends every session of a user and returns how many ended.
	EndUserSessions(ctx context.Context, actorID, userID string) (int, error)
	// AuditLog lists audit events, newest first.
	AuditLog(ctx context.Context, actorID string, f AuditFilter, page Page) (*AuditPage, error)
}

// LogoutScope says which sessions Logout ends.
type LogoutScope string

// Logout scopes.
const (
	LogoutThisSession   LogoutScope = "THIS_SESSION"
	LogoutOtherSessions LogoutScope = "OTHER_SESSIONS"
	LogoutAllSessions   LogoutScope = "ALL_SESSIONS"
)

// ProfileInput changes the user's own profile; nil fields stay as they are.
type ProfileInput struct {
	Name *string
}

// ChangePasswordInput is what a signed-in user sends to change their password.
type ChangePasswordInput struct {
	CurrentPassword string
	NewPassword     string
}

// UserFilter narrows the administration's user list; zero values match all.
type UserFilter struct {
	// Search matches a part of the email or the name, ignoring case.
	Search string
	Role   *Role
	Active *bool
}

// AuditFilter narrows the audit log; zero values match all.
type AuditFilter struct {
	UserID string
	Action string
}

// Page asks for First items after the opaque cursor After ("" = from the start).
type Page struct {
	First int
	After string
}

// Page size limits.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// UserPage is one page of users.
type UserPage struct {
	Users []*User
	// EndCursor is the cursor of the last user ("" when empty).
	EndCursor   string
	HasNextPage bool
}

// AuditEvent is one line of the audit log.
type AuditEvent struct {
	ID        int64
	At        time.Time
	Action    string
	ActorID   string // who did it ("" for the system or an anonymous caller)
	UserID    string // whose account it concerns
	SessionID string
	IP        string
	UserAgent string
	Detail    map[string]string
}

// AuditPage is one page of audit events.
type AuditPage struct {
	Events      []*AuditEvent
	EndCursor   string
	HasNextPage bool
}

// Audit actions.
const (
	AuditSignup            = "user.signup"
	AuditLogin             = "user.login"
	AuditLoginFailed       = "user.login_failed"
	AuditLogout            = "user.logout"
	AuditProfileUpdated    = "user.profile_updated"
	AuditPasswordChanged   = "user.password_changed"
	AuditPasswordReset     = "user.password_reset"
	AuditResetRequested    = "user.password_reset_requested"
	AuditEmailVerified     = "user.email_verified"
	AuditSessionEnded      = "session.ended"
	AuditRefreshReused     = "session.refresh_token_reused"
	AuditRoleChanged       = "admin.role_changed"
	AuditUserDeactivated   = "admin.user_deactivated"
	AuditUserReactivated   = "admin.user_reactivated"
	AuditUserSessionsEnded = "admin.user_sessions_ended"
)

// UserService reads users.
type UserService interface {
	// UserByID returns the user or a NOT_FOUND error.
	UserByID(ctx context.Context, id string) (*User, error)
	// UsersByIDs returns one entry per id, in order; nil where no user has that id
	// (including ids that are not well-formed).
	UsersByIDs(ctx context.Context, ids []string) ([]*User, error)
}

// RefreshOutcome is what happened to a presented refresh token.
type RefreshOutcome int

// Refresh outcomes.
const (
	// RefreshInvalid: no such token.
	RefreshInvalid RefreshOutcome = iota
	// RefreshRotated: the token was unused; it is now used and its child stored.
	RefreshRotated
	// RefreshReplayed: the token was used within the grace window; its child stands.
	RefreshReplayed
	// RefreshReused: the token was used before the grace window; the store ended
	// the session.
	RefreshReused
	// RefreshSessionEnded: the session had ended, or the account is deactivated.
	RefreshSessionEnded
	// RefreshExpired: the session passed its idle or absolute expiry; the store
	// ended it.
	RefreshExpired
)

// RefreshRequest is what the store needs to rotate a refresh token atomically.
type RefreshRequest struct {
	TokenHash   []byte
	ChildHash   []byte
	Grace       time.Duration
	IdleTimeout time.Duration
	Client      Client
}

// RefreshResult is the store's answer to a RefreshRequest. User and Session are
// set for every outcome but RefreshInvalid.
type RefreshResult struct {
	Outcome RefreshOutcome
	User    *User
	Session *Session
}

// MailPurpose says what a mailed token is for.
type MailPurpose string

// Mail purposes.
const (
	PurposeVerifyEmail   MailPurpose = "VERIFY_EMAIL"
	PurposeResetPassword MailPurpose = "RESET_PASSWORD"
)

// UserStore is the storage the services need (implemented by package postgres).
type UserStore interface {
	// CreateUserWithSession stores the user and a first session in one
	// transaction. A taken email (any case) is a CONFLICT error with
	// ErrEmailTaken's message.
	CreateUserWithSession(ctx context.Context, u NewUser, s NewSession) (*User, *Session, error)
	// CredentialsByEmail returns the user with that (lower-cased) email and their
	// password hash, or a NOT_FOUND error.
	CredentialsByEmail(ctx context.Context, email string) (*User, string, error)
	// CredentialsByID is CredentialsByEmail by user id.
	CredentialsByID(ctx context.Context, userID string) (*User, string, error)
	// RecordLogin sets the user's last_login_at and creates a session in one
	// transaction.
	RecordLogin(ctx context.Context, userID string, s NewSession) (*User, *Session, error)
	// Refresh rotates a refresh token (see RefreshOutcome) in one transaction.
	Refresh(ctx context.Context, req RefreshRequest) (*RefreshResult, error)
	// UserByID returns the user or a NOT_FOUND error.
	UserByID(ctx context.Context, id string) (*User, error)
	// UsersByIDs returns one entry per id, in order, nil where missing.
	UsersByIDs(ctx context.Context, ids []string) ([]*User, error)
	// UpdateName sets the user's name.
	UpdateName(ctx context.Context, userID, name string) (*User, error)
	// SetPasswordHash replaces the password hash and bumps password_changed_at.
	SetPasswordHash(ctx context.Context, userID, hash string) error
	// EndSessions marks the user's live sessions ended with reason: only sessionID
	// (only=true), or all but sessionID (only=false, sessionID may be "" for all). It
	// returns their ids.
	EndSessions(ctx context.Context, userID, sessionID string, only bool, reason string) ([]string, error)
	// LiveSessions lists the user's sessions that have not ended or expired.
	LiveSessions(ctx context.Context, userID string, idle time.Duration) ([]*Session, error)
	// CreateMailToken stores a mailed token's hash for the user's current email.
	CreateMailToken(ctx context.Context, userID string, purpose MailPurpose, hash []byte, expiresAt time.Time) error
	// UseMailToken marks a live token used and returns its user (with purpose
	// VERIFY_EMAIL it also marks the email verified when unchanged since), or
	// NOT_FOUND for an unknown, used or expired token.
	UseMailToken(ctx context.Context, purpose MailPurpose, hash []byte) (*User, error)
	// SearchUsers lists users for administration.
	SearchUsers(ctx context.Context, f UserFilter, page Page) (*UserPage, error)
	// SetRole changes a user's role.
	SetRole(ctx context.Context, userID string, role Role) (*User, error)
	// SetActive changes a user's active flag.
	SetActive(ctx context.Context, userID string, active bool) (*User, error)
	// Audit appends an event to the audit log.
	Audit(ctx context.Context, e AuditEvent) error
	// AuditLog lists audit events, newest first.
	AuditLog(ctx context.Context, f AuditFilter, page Page) (*AuditPage, error)
}

// Revoker makes ended sessions' tokens refused by every router and subgraph before the
// tokens expire (implemented on Redis in package server).
type Revoker interface {
	Revoke(ctx context.Context, sessionID string) error
}

// TokenIssuer signs access tokens (implemented by package token).
type TokenIssuer interface {
	IssueAccessToken(userID, sessionID string, role Role) (token string, expiresAt time.Time, err error)
}

// Publisher publishes events (platform/pubsub's Broker satisfies it).
type Publisher interface {
	Publish(ctx context.Context, channel string, payload []byte) error
}

// Event channels published on Redis after the corresponding row commits.
const (
	EventUserLogin         = "auth:user.login"
	EventUserLogout        = "auth:user.logout"
	EventSessionCreated    = "auth:session.created"
	EventSessionTerminated = "auth:session.terminated"
)

// SessionEvent is the JSON payload of every event above.
type SessionEvent struct {
	UserID    string    `json:"userId"`
	SessionID string    `json:"sessionId"`
	At        time.Time `json:"at"`
	// Reason says why a session terminated ("logout", "expired",
	// "refresh_token_reused", "password_changed", "deactivated", ...).
	Reason string `json:"reason,omitempty"`
}

// Validation limits.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 128
	MaxNameLength     = 100
	MaxEmailLength    = 254
)

// Error messages clients see.
const (
	ErrEmailTaken       = "an account with this email already exists"
	ErrBadCredentials   = "email or password is incorrect"
	ErrDeactivated      = "this account is deactivated; contact an administrator"
	ErrRefreshInvalid   = "the refresh token is not valid; sign in again"
	ErrRefreshReused    = "the refresh token was already used, so the session has been ended for safety; sign in again"
	ErrSessionEnded     = "the session has ended; sign in again"
	ErrCommonPassword   = "this password is too common; choose one that is harder to guess"
	ErrMailLinkInvalid  = "this link is not valid: it was already used, has expired, or was replaced by a newer one"
	ErrWrongPassword    = "the current password is incorrect"
	ErrAdminOnly        = "only administrators may do this"
	ErrSessionNotFound  = "no such live session of yours"
	ErrCannotDemoteSelf = "administrators cannot remove their own ADMIN role or deactivate themselves"
)

func invalid(field, msg string) *errs.Error {
	e := errs.E(errs.Invalid, "%s", msg)
	e.Field = field
	return e
}

// NormalizeEmail trims the address, checks that it is a plain address
// (local@domain, no display name) and returns it lower-cased.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid("email", "email is required")
	}
	if len(s) > MaxEmailLength {
		return "", invalid("email", "email must be at most 254 characters long")
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", invalid("email", "email must be an address like name@example.com")
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", invalid("email", "email must be an address like name@example.com")
	}
	for _, r := range s {
		if r > unicode.MaxASCII && !unicode.IsPrint(r) {
			return "", invalid("email", "email must be an address like name@example.com")
		}
	}
	return strings.ToLower(s), nil
}

// ValidatePassword checks the length rule (counted in characters, not bytes).
func ValidatePassword(p string) error {
	n := utf8.RuneCountInString(p)
	if n < MinPasswordLength || n > MaxPasswordLength {
		return invalid("password", "password must be 8 to 128 characters long")
	}
	return nil
}

// NormalizeName trims the name and checks it is 1 to 100 printable characters.
func NormalizeName(s string) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n < 1 || n > MaxNameLength {
		return "", invalid("name", "name must be 1 to 100 characters long")
	}
	if !utf8.ValidString(s) {
		return "", invalid("name", "name must be valid text")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return "", invalid("name", "name must not contain control characters")
		}
	}
	return s, nil
}

// ValidateSignup applies the rules to every field and returns the normalized
// input (email lower-cased, email and name trimmed). The password is not trimmed.
func ValidateSignup(in SignupInput) (SignupInput, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return SignupInput{}, err
	}
	if err := ValidatePassword(in.Password); err != nil {
		return SignupInput{}, err
	}
	name, err := NormalizeName(in.Name)
	if err != nil {
		return SignupInput{}, err
	}
	return SignupInput{Email: email, Password: in.Password, Name: name}, nil
}

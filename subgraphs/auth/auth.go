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
}

// Session is one signed-in device or tab family. Its ID is the "sid" claim of the
// access tokens issued for it.
type Session struct {
	ID        string
	UserID    string
	CreatedAt time.Time
	RevokedAt *time.Time
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

// AuthPayload is the result of a signup or login: the user, their new session and
// an access token for it.
type AuthPayload struct {
	AccessToken string
	ExpiresAt   time.Time
	User        *User
	Session     *Session
}

// NewUser is a validated account ready to be stored.
type NewUser struct {
	Email        string
	Name         string
	Role         Role
	PasswordHash string
}

// AuthService signs people up and in.
type AuthService interface {
	// Signup validates the input, creates the user and a session, and returns an
	// access token. Errors: INVALID (with Field), CONFLICT for a taken email.
	Signup(ctx context.Context, in SignupInput) (*AuthPayload, error)
	// Login checks the credentials, records the login, creates a session and
	// returns an access token. Errors: UNAUTHENTICATED with ErrBadCredentials's
	// message for any wrong email or password.
	Login(ctx context.Context, in LoginInput) (*AuthPayload, error)
	// Logout ends sessions of the user: the given one, all others, or all. It returns how
	// many ended; each ended session is revoked (its tokens refused everywhere) and
	// announced on EventSessionTerminated.
	Logout(ctx context.Context, userID, sessionID string, scope LogoutScope) (int, error)
}

// LogoutScope says which sessions Logout ends.
type LogoutScope string

// Logout scopes.
const (
	LogoutThisSession   LogoutScope = "THIS_SESSION"
	LogoutOtherSessions LogoutScope = "OTHER_SESSIONS"
	LogoutAllSessions   LogoutScope = "ALL_SESSIONS"
)

// UserService reads users.
type UserService interface {
	// UserByID returns the user or a NOT_FOUND error.
	UserByID(ctx context.Context, id string) (*User, error)
	// UsersByIDs returns one entry per id, in order; nil where no user has that id
	// (including ids that are not well-formed).
	UsersByIDs(ctx context.Context, ids []string) ([]*User, error)
}

// UserStore is the storage the services need (implemented by package postgres).
type UserStore interface {
	// CreateUserWithSession stores the user and a first session in one
	// transaction. A taken email (any case) is a CONFLICT error with
	// ErrEmailTaken's message.
	CreateUserWithSession(ctx context.Context, u NewUser) (*User, *Session, error)
	// CredentialsByEmail returns the user with that (lower-cased) email and their
	// password hash, or a NOT_FOUND error.
	CredentialsByEmail(ctx context.Context, email string) (*User, string, error)
	// RecordLogin sets the user's last_login_at and creates a session in one
	// transaction.
	RecordLogin(ctx context.Context, userID string) (*User, *Session, error)
	// UserByID returns the user or a NOT_FOUND error.
	UserByID(ctx context.Context, id string) (*User, error)
	// UsersByIDs returns one entry per id, in order, nil where missing.
	UsersByIDs(ctx context.Context, ids []string) ([]*User, error)
	// EndSessions marks the user's live sessions ended: only sessionID (only=true), or
	// all but sessionID (only=false, sessionID may be "" for all). It returns their ids.
	EndSessions(ctx context.Context, userID, sessionID string, only bool) ([]string, error)
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
	ErrEmailTaken     = "an account with this email already exists"
	ErrBadCredentials = "email or password is incorrect"
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

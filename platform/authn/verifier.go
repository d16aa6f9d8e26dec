package authn

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	lru "github.com/hashicorp/golang-lru/v2"

	"fedstack/platform/errs"
)

// Defaults of VerifierOptions.
const (
	DefaultLeeway      = 30 * time.Second
	DefaultHTTPTimeout = 5 * time.Second
	// RefetchInterval is the least time between two JWKS fetches caused by unknown kids.
	RefetchInterval = 10 * time.Second
	// MaxKeyAge is how long fetched keys are used before they are fetched again.
	MaxKeyAge = 10 * time.Minute
)

// DefaultAlgorithms are the signing algorithms accepted when VerifierOptions.Algorithms is empty.
var DefaultAlgorithms = []string{"EdDSA", "ES256"}

// VerifierOptions configure a Verifier. Set exactly one of JWKSURL and Keys.
type VerifierOptions struct {
	// JWKSURL is fetched lazily and cached; it is fetched again when a token names an unknown
	// kid (at most once per 10 s) and when the cached keys are older than 10 minutes.
	JWKSURL string
	// Keys is a local key source used instead of JWKSURL (the auth service uses it for its own
	// keys). It is called on every Verify, so it should be cheap (cache inside if needed).
	Keys func(ctx context.Context) (map[string]crypto.PublicKey, error)
	// Issuer and Audience, when set, must match the token's iss and one of its aud.
	Issuer   string
	Audience string
	// Algorithms accepted; default EdDSA and ES256. Only EdDSA and ES256 are supported: none,
	// HS*, RS* and others are always rejected.
	Algorithms []string
	// HTTPClient fetches the JWKS; default a client with a 5 s timeout.
	HTTPClient *http.Client
	// Leeway tolerated on exp, nbf and iat; default 30 s.
	Leeway time.Duration
	// Ended, when set, refuses the tokens of sessions that have ended (checked on every
	// Verify, also for remembered tokens).
	Ended *EndedSessions
	// CacheSize is how many verified tokens are remembered so a repeated token skips the
	// signature check until it expires (default 10000; negative disables the cache). A token
	// signed by a key later removed from the JWKS stays accepted until its exp; revocation
	// of sessions is checked apart from this cache.
	CacheSize int
}

// Verifier verifies access tokens. It is safe for concurrent use.
type Verifier struct {
	opts   VerifierOptions
	parser *jwt.Parser
	now    func() time.Time

	mu          sync.RWMutex // guards keys and fetchedAt; held for writing during a fetch
	keys        map[string]crypto.PublicKey
	fetchedAt   time.Time // when keys were fetched
	lastAttempt time.Time // when a fetch was last tried
	lastErr     error     // error of the last fetch, if it failed
	fetches     int

	verified *lru.Cache[string, *Claims] // nil when disabled
}

// NewVerifier returns a Verifier for opts (see VerifierOptions for the defaults).
func NewVerifier(opts VerifierOptions) *Verifier {
	var algs []string
	for _, a := range opts.Algorithms {
		if a == "EdDSA" || a == "ES256" {
			algs = append(algs, a)
		}
	}
	if len(opts.Algorithms) == 0 {
		algs = slices.Clone(DefaultAlgorithms)
	}
	opts.Algorithms = algs
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if opts.Leeway == 0 {
		opts.Leeway = DefaultLeeway
	}
	// Algorithms are checked in the key function, before any signature check, so a token
	// cannot choose its own verification method (alg none, HS256 keyed with a public key).
	popts := []jwt.ParserOption{
		jwt.WithLeeway(opts.Leeway),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	}
	if opts.Issuer != "" {
		popts = append(popts, jwt.WithIssuer(opts.Issuer))
	}
	if opts.Audience != "" {
		popts = append(popts, jwt.WithAudience(opts.Audience))
	}
	v := &Verifier{opts: opts, now: time.Now}
	popts = append(popts, jwt.WithTimeFunc(func() time.Time { return v.now() }))
	v.parser = jwt.NewParser(popts...)
	if opts.CacheSize == 0 {
		opts.CacheSize = 10000
	}
	if opts.CacheSize > 0 {
		v.verified, _ = lru.New[string, *Claims](opts.CacheSize)
	}
	return v
}

// live refuses the claims of an ended session.
func (v *Verifier) live(ctx context.Context, c *Claims) (*Claims, error) {
	if v.opts.Ended != nil {
		if err := v.opts.Ended.Check(ctx, c.SessionID); err != nil {
			return nil, unauthenticated(err.Error(), err)
		}
	}
	return c, nil
}

// cached returns the claims of an already verified token while its time claims still
// hold.
func (v *Verifier) cached(token string) (*Claims, bool) {
	if v.verified == nil {
		return nil, false
	}
	c, ok := v.verified.Get(token)
	if !ok {
		return nil, false
	}
	now := v.now()
	if c.ExpiresAt == nil || now.After(c.ExpiresAt.Add(v.opts.Leeway)) ||
		(c.NotBefore != nil && now.Before(c.NotBefore.Add(-v.opts.Leeway))) {
		v.verified.Remove(token)
		return nil, false
	}
	cp := *c
	return &cp, true
}

// keyError is a key lookup failure with the message shown to the client.
type keyError struct {
	msg      string
	internal error // set when the key source itself failed
}

func (e *keyError) Error() string { return e.msg }

// Verify checks the token's signature, algorithm, kid, exp, nbf, iat, iss and aud and returns
// its claims. A bad token gives an *errs.Error with code UNAUTHENTICATED and a message saying
// what is wrong ("token expired", "unknown signing key", ...). When the key source itself
// fails (JWKS unreachable), the error has code INTERNAL: the token may well be fine.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	if token == "" {
		return nil, unauthenticated("empty token", nil)
	}
	if c, ok := v.cached(token); ok {
		return v.live(ctx, c)
	}
	claims := &Claims{}
	_, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		return v.key(ctx, t)
	})
	if err == nil {
		if claims.Subject == "" {
			return nil, unauthenticated("token has no subject", nil)
		}
		if v.verified != nil {
			cp := *claims
			v.verified.Add(token, &cp)
		}
		return v.live(ctx, claims)
	}

	var ke *keyError
	switch {
	case errors.As(err, &ke):
		if ke.internal != nil {
			return nil, &errs.Error{Code: errs.Internal, Message: ke.msg, Err: ke.internal}
		}
		return nil, unauthenticated(ke.msg, err)
	case errors.Is(err, jwt.ErrTokenMalformed):
		return nil, unauthenticated("malformed token", err)
	case errors.Is(err, jwt.ErrTokenUnverifiable): // unknown alg in the header
		return nil, unauthenticated("token signing algorithm is not accepted (want one of "+fmt.Sprint(v.opts.Algorithms)+")", err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return nil, unauthenticated("token signature is invalid", err)
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, unauthenticated("token expired", err)
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, unauthenticated("token not valid yet", err)
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return nil, unauthenticated("token issued in the future", err)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return nil, unauthenticated(fmt.Sprintf("token issuer is not %q", v.opts.Issuer), err)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return nil, unauthenticated(fmt.Sprintf("token audience is not %q", v.opts.Audience), err)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return nil, unauthenticated("token has no expiry (exp)", err)
	default:
		return nil, unauthenticated("invalid token", err)
	}
}

func unauthenticated(msg string, cause error) *errs.Error {
	return &errs.Error{Code: errs.Unauthenticated, Message: msg, Err: cause}
}

// key returns the verification key for t after checking its algorithm and key type.
func (v *Verifier) key(ctx context.Context, t *jwt.Token) (crypto.PublicKey, error) {
	alg := t.Method.Alg()
	if !slices.Contains(v.opts.Algorithms, alg) {
		return nil, &keyError{msg: fmt.Sprintf("token signing algorithm %q is not accepted (want one of %v)", alg, v.opts.Algorithms)}
	}
	if typ, ok := t.Header["typ"].(string); ok && !acceptedTyp(typ) {
		return nil, &keyError{msg: fmt.Sprintf("token type %q is not an access token", typ)}
	}
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, &keyError{msg: "token has no kid header"}
	}
	pub, err := v.lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	switch k := pub.(type) {
	case ed25519.PublicKey:
		if alg == "EdDSA" {
			return k, nil
		}
	case *ecdsa.PublicKey:
		if alg == "ES256" && k.Curve == elliptic.P256() {
			return k, nil
		}
	}
	return nil, &keyError{msg: fmt.Sprintf("signing key %q does not match token algorithm %q", kid, alg)}
}

func acceptedTyp(typ string) bool {
	switch typ {
	case "at+jwt", "application/at+jwt", "JWT", "jwt":
		return true
	}
	return false
}

// lookup finds kid in the key source, fetching the JWKS when needed.
func (v *Verifier) lookup(ctx context.Context, kid string) (crypto.PublicKey, error) {
	if v.opts.Keys != nil {
		keys, err := v.opts.Keys(ctx)
		if err != nil {
			return nil, &keyError{msg: "signing keys are unavailable", internal: err}
		}
		if k, ok := keys[kid]; ok {
			return k, nil
		}
		return nil, &keyError{msg: "unknown signing key"}
	}
	if v.opts.JWKSURL == "" {
		return nil, &keyError{msg: "signing keys are unavailable", internal: errors.New("authn: VerifierOptions has neither JWKSURL nor Keys")}
	}

	now := v.now()
	v.mu.RLock()
	k, ok := v.keys[kid]
	fresh := now.Sub(v.fetchedAt) <= MaxKeyAge
	v.mu.RUnlock()
	if ok && fresh {
		return k, nil
	}

	v.mu.Lock()
	defer v.mu.Unlock()
	now = v.now()
	if k, ok := v.keys[kid]; ok && now.Sub(v.fetchedAt) <= MaxKeyAge {
		return k, nil // fetched by another request meanwhile
	}
	// Unknown kid or stale keys: fetch, but not more than once per RefetchInterval (once a
	// second while no key set was ever fetched, so a service that started before the auth
	// service recovers quickly).
	gap := RefetchInterval
	if v.keys == nil {
		gap = time.Second
	}
	if v.lastAttempt.IsZero() || now.Sub(v.lastAttempt) >= gap {
		v.lastAttempt = now
		keys, err := v.fetch(ctx)
		if err != nil {
			v.lastErr = err // keep using the keys we have, if any
		} else {
			v.keys, v.fetchedAt, v.lastErr = keys, now, nil
		}
	}
	if v.keys == nil {
		return nil, &keyError{msg: "signing keys are unavailable", internal: v.lastErr}
	}
	if k, ok := v.keys[kid]; ok {
		return k, nil
	}
	return nil, &keyError{msg: "unknown signing key"}
}

// fetch downloads and parses the JWKS.
func (v *Verifier) fetch(ctx context.Context) (map[string]crypto.PublicKey, error) {
	v.fetches++
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.opts.JWKSURL, nil)
	if err != nil {
		return nil, fmt.Errorf("authn: JWKS URL %q: %w", v.opts.JWKSURL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("authn: fetching JWKS from %s: %w (is the auth service running?)", v.opts.JWKSURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("authn: fetching JWKS from %s: status %s", v.opts.JWKSURL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("authn: reading JWKS from %s: %w", v.opts.JWKSURL, err)
	}
	keys, err := ParseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("%w (from %s)", err, v.opts.JWKSURL)
	}
	return keys, nil
}

// Fetches returns how many times the JWKS was fetched (for tests and diagnostics).
func (v *Verifier) Fetches() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.fetches
}

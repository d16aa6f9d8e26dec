package token

import (
	"context"
	"crypto"
	"crypto/cipher"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
	"fedstack/subgraphs/auth"
)

// Algorithm is the JWS algorithm of the tokens and of stored keys.
const Algorithm = "EdDSA"

// Defaults of Options (the server's defaults for JWT_ACCESS_TOKEN_TTL,
// JWT_KEY_ROTATION_INTERVAL, JWT_KEY_PUBLISH_AHEAD and JWT_KEY_RELOAD_INTERVAL).
const (
	// DefaultTTL is how long an access token is accepted.
	DefaultTTL = 15 * time.Minute
	// DefaultRotationInterval is how long a key signs before the next one takes over.
	DefaultRotationInterval = 30 * 24 * time.Hour
	// DefaultPublishAhead is how long a new key is in the JWKS before it signs:
	// more than DefaultReloadInterval (every instance publishes it), the JWKS's
	// Cache-Control max-age (5 min) and authn.MaxKeyAge (10 min), so verifiers
	// already hold it when the first token it signed reaches them.
	DefaultPublishAhead = 20 * time.Minute
	// DefaultReloadInterval is how often Run reloads the keys from the store.
	DefaultReloadInterval = time.Minute
)

// RetentionLeeway is how long, beyond the access token TTL, a retired key stays
// published: it covers the verifiers' leeway on exp (authn.DefaultLeeway) and
// clock skew.
const RetentionLeeway = time.Minute

// Options configure a Keyring.
type Options struct {
	Issuer   string
	Audience string
	TTL      time.Duration    // access token lifetime; default DefaultTTL
	Now      func() time.Time // default time.Now
	// RotationInterval is how long a key signs before a new one takes over; 0
	// never rotates on schedule (a key is still created when the store has none).
	RotationInterval time.Duration
	// PublishAhead is how long a new key is published before it starts signing
	// (0: it signs at once). It must be less than RotationInterval.
	PublishAhead time.Duration
	// ReloadInterval is how often Run reloads the keys; default DefaultReloadInterval.
	ReloadInterval time.Duration
	// EncryptionKey (32 bytes, see ParseEncryptionKey), when set, seals the private
	// keys this Keyring writes to the store with AES-256-GCM. Keys stored in
	// plaintext still load.
	EncryptionKey []byte
	// Logger receives rotations and clean-ups (Info) and failed reloads (Warn).
	Logger *slog.Logger
}

// StoredKey is a signing key as a KeyStore keeps it.
type StoredKey struct {
	KID         string
	Algorithm   string
	PrivateKey  []byte // PKCS#8 DER, sealed (see Options.EncryptionKey) when Encrypted
	Encrypted   bool
	CreatedAt   time.Time
	ActivatesAt time.Time  // when it starts signing (it is published from creation)
	RetiredAt   *time.Time // when it stops signing; nil while no successor is scheduled
}

// KeyStore keeps the signing keys of every instance (postgres.Store implements it).
type KeyStore interface {
	// SigningKeys returns every stored key.
	SigningKeys(ctx context.Context) ([]StoredKey, error)
	// RotateSigningKey runs decide in a transaction, under a lock that serializes
	// rotations of every instance, with every stored key. When decide returns a
	// key, the key is stored and every other key not retired by the new key's
	// ActivatesAt is retired then. It returns the stored keys after the change.
	RotateSigningKey(ctx context.Context, decide func(keys []StoredKey) (*StoredKey, error)) ([]StoredKey, error)
	// DeleteSigningKeysRetiredBy deletes the keys retired at or before t and says how many.
	DeleteSigningKeysRetiredBy(ctx context.Context, t time.Time) (int64, error)
}

// Keyring issues access tokens with its current key and publishes every key a
// live token may carry. It is safe for concurrent use.
type Keyring struct {
	opts  Options
	store KeyStore    // nil: one static key
	aead  cipher.AEAD // nil: keys are written in plaintext

	refreshMu sync.Mutex // serializes Refresh and Rotate
	state     atomic.Pointer[keyState]
}

var _ auth.TokenIssuer = (*Keyring)(nil)

// keyState is an immutable set of loaded keys, sorted by activation.
type keyState struct {
	keys []*signingKey
	view atomic.Pointer[keyView] // cache of the view at some time
}

type signingKey struct {
	kid         string
	priv        ed25519.PrivateKey
	pub         ed25519.PublicKey
	jwk         authn.JWK
	activatesAt time.Time
	retiredAt   time.Time // zero: not retired
}

// keyView is what the keys look like during [from, until).
type keyView struct {
	from, until time.Time // until zero: no end
	signing     *signingKey
	published   map[string]crypto.PublicKey
	jwks        []byte
}

func (o *Options) defaults() error {
	if o.Issuer == "" || o.Audience == "" {
		return errors.New("token: issuer and audience are required")
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ReloadInterval <= 0 {
		o.ReloadInterval = DefaultReloadInterval
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.RotationInterval < 0 || o.PublishAhead < 0 {
		return errors.New("token: RotationInterval and PublishAhead cannot be negative")
	}
	if o.RotationInterval > 0 && o.RotationInterval <= o.PublishAhead {
		return fmt.Errorf("token: the rotation interval (%s) must be longer than the time a new key is published before it signs (%s)", o.RotationInterval, o.PublishAhead)
	}
	return nil
}

// NewStaticKeyring returns a Keyring that signs with priv forever and publishes
// only its public half. The key id is the RFC 7638 thumbprint of the public key,
// so every instance using the same key announces the same kid.
func NewStaticKeyring(priv ed25519.PrivateKey, opts Options) (*Keyring, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	k, err := newSigningKey(priv, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	kr := &Keyring{opts: opts}
	kr.state.Store(&keyState{keys: []*signingKey{k}})
	return kr, nil
}

// NewKeyring returns a Keyring whose keys live in store. It holds no key until
// the first Refresh, which creates one when the store has none.
func NewKeyring(store KeyStore, opts Options) (*Keyring, error) {
	if store == nil {
		return nil, errors.New("token: NewKeyring needs a KeyStore")
	}
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	kr := &Keyring{opts: opts, store: store}
	if opts.EncryptionKey != nil {
		aead, err := newAEAD(opts.EncryptionKey)
		if err != nil {
			return nil, err
		}
		kr.aead = aead
	}
	kr.state.Store(&keyState{})
	return kr, nil
}

func newSigningKey(priv ed25519.PrivateKey, activatesAt, retiredAt time.Time) (*signingKey, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("token: not an Ed25519 private key")
	}
	pub := priv.Public().(ed25519.PublicKey)
	k := &signingKey{kid: Thumbprint(pub), priv: priv, pub: pub, activatesAt: activatesAt, retiredAt: retiredAt}
	jwk, err := authn.PublicJWK(k.kid, pub)
	if err != nil {
		return nil, fmt.Errorf("token: building JWK: %w", err)
	}
	k.jwk = jwk
	return k, nil
}

// retention is how long a retired key stays published.
func (k *Keyring) retention() time.Duration { return k.opts.TTL + RetentionLeeway }

// KID is the key id of the key signing now ("" before the first Refresh).
func (k *Keyring) KID() string {
	if s := k.current(k.opts.Now()).signing; s != nil {
		return s.kid
	}
	return ""
}

// IssueAccessToken implements auth.TokenIssuer: header alg EdDSA, typ at+jwt,
// kid; claims iss aud sub sid role iat nbf exp.
func (k *Keyring) IssueAccessToken(userID, sessionID string, role auth.Role) (string, time.Time, error) {
	now := k.opts.Now()
	key := k.current(now).signing
	if key == nil {
		return "", time.Time{}, errs.Wrap(errors.New("token: the keyring holds no signing key"), "no signing key is loaded (is the auth database reachable?)")
	}
	iat := now.UTC().Truncate(time.Second)
	exp := iat.Add(k.opts.TTL)
	claims := &authn.Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    k.opts.Issuer,
			Audience:  jwt.ClaimStrings{k.opts.Audience},
			Subject:   userID,
			IssuedAt:  jwt.NewNumericDate(iat),
			NotBefore: jwt.NewNumericDate(iat),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
		SessionID: sessionID,
		Role:      string(role),
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = key.kid
	t.Header["typ"] = "at+jwt"
	signed, err := t.SignedString(key.priv)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: signing: %w", err)
	}
	return signed, exp, nil
}

// Keys is a key source for authn.VerifierOptions.Keys, so the auth service
// verifies its own tokens without fetching its own JWKS: the keys the JWKS
// publishes now. The map is shared: do not modify it.
func (k *Keyring) Keys(context.Context) (map[string]crypto.PublicKey, error) {
	return k.current(k.opts.Now()).published, nil
}

// JWKSHandler serves GET /.well-known/jwks.json: every published key, newest first.
func (k *Keyring) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(k.current(k.opts.Now()).jwks)
	})
}

// current returns the view of the keys at now, computing it when the cached one
// does not cover now.
func (k *Keyring) current(now time.Time) *keyView {
	st := k.state.Load()
	if v := st.view.Load(); v != nil && !now.Before(v.from) && (v.until.IsZero() || now.Before(v.until)) {
		return v
	}
	v := k.buildView(st.keys, now)
	st.view.Store(v)
	return v
}

// buildView decides which keys sign and which are published at now: a key is
// published from its creation until RetentionLeeway+TTL after its retirement;
// the signing key is the active key (activated, not retired) activated last,
// or, when none is active (clock skew between instances), the earliest pending one.
func (k *Keyring) buildView(keys []*signingKey, now time.Time) *keyView {
	v := &keyView{from: now, published: make(map[string]crypto.PublicKey, len(keys))}
	next := func(t time.Time) {
		if t.After(now) && (v.until.IsZero() || t.Before(v.until)) {
			v.until = t
		}
	}
	var pending *signingKey
	jwks := make([]authn.JWK, 0, len(keys))
	for i := len(keys) - 1; i >= 0; i-- { // newest activation first
		key := keys[i]
		retired := !key.retiredAt.IsZero()
		if retired && !now.Before(key.retiredAt.Add(k.retention())) {
			continue
		}
		next(key.activatesAt)
		if retired {
			next(key.retiredAt)
			next(key.retiredAt.Add(k.retention()))
		}
		v.published[key.kid] = key.pub
		jwks = append(jwks, key.jwk)
		if retired && !now.Before(key.retiredAt) {
			continue
		}
		switch {
		case !key.activatesAt.After(now):
			if v.signing == nil {
				v.signing = key
			}
		default:
			pending = key // the loop goes backwards: the last one seen is the earliest
		}
	}
	if v.signing == nil {
		v.signing = pending
	}
	v.jwks, _ = json.Marshal(authn.JWKS{Keys: jwks}) // cannot fail: strings only
	return v
}

// Refresh reloads the keys from the store, adds a key when one is due (the store
// has no live key, or the newest one has signed for RotationInterval minus
// PublishAhead) and deletes keys retired for longer than TTL + RetentionLeeway.
// It fails when, afterwards, no key can sign. Run calls it every ReloadInterval;
// call it once at start-up. A static Keyring has nothing to refresh.
func (k *Keyring) Refresh(ctx context.Context) error {
	if k.store == nil {
		return nil
	}
	k.refreshMu.Lock()
	defer k.refreshMu.Unlock()
	stored, err := k.store.SigningKeys(ctx)
	if err != nil {
		return errs.Wrap(err, "loading the signing keys")
	}
	if _, due := k.due(stored, k.opts.Now(), false); due {
		if stored, err = k.rotate(ctx, false); err != nil {
			return err
		}
	}
	if err := k.install(stored); err != nil {
		return err
	}
	k.cleanUp(ctx, stored)
	if k.KID() == "" {
		return errs.Wrap(errors.New("token: no signing key"), "no signing key is active or scheduled")
	}
	return nil
}

// Rotate adds a new key now, whether or not one is due: it is published at once,
// signs after PublishAhead, and the keys signing until then retire when it starts.
// Other instances pick it up at their next Refresh.
func (k *Keyring) Rotate(ctx context.Context) error {
	if k.store == nil {
		return errs.E(errs.Invalid, "the signing key is static (JWT_PRIVATE_KEY): unset it and set JWT_KEY_ENCRYPTION_KEY to keep rotating keys in the database")
	}
	k.refreshMu.Lock()
	defer k.refreshMu.Unlock()
	stored, err := k.rotate(ctx, true)
	if err != nil {
		return err
	}
	return k.install(stored)
}

// Run calls Refresh every ReloadInterval until ctx ends, logging failures (the
// keys loaded last stay in use, and their schedule keeps applying). It returns
// at once for a static Keyring.
func (k *Keyring) Run(ctx context.Context) {
	if k.store == nil {
		return
	}
	t := time.NewTicker(k.opts.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := k.Refresh(ctx); err != nil && ctx.Err() == nil {
				k.opts.Logger.Warn("refreshing the signing keys failed; the keys loaded before stay in use", "error", err)
			}
		}
	}
}

// due says whether a new key is needed among stored at now, and when it
// should start signing.
func (k *Keyring) due(stored []StoredKey, now time.Time, force bool) (time.Time, bool) {
	var newest time.Time
	live := false
	for _, s := range stored {
		if s.RetiredAt == nil || s.RetiredAt.After(now) {
			live = true
			if s.ActivatesAt.After(newest) {
				newest = s.ActivatesAt
			}
		}
	}
	switch {
	case !live:
		return now, true // nothing can sign: no reason to wait
	case force:
		return now.Add(k.opts.PublishAhead), true
	case k.opts.RotationInterval > 0 && !newest.After(now) &&
		!now.Before(newest.Add(k.opts.RotationInterval-k.opts.PublishAhead)):
		return now.Add(k.opts.PublishAhead), true
	}
	return time.Time{}, false
}

// rotate adds a key through the store when one is due (or force), deciding
// under the store's lock so concurrent instances add one key between them.
func (k *Keyring) rotate(ctx context.Context, force bool) ([]StoredKey, error) {
	var added *StoredKey
	stored, err := k.store.RotateSigningKey(ctx, func(keys []StoredKey) (*StoredKey, error) {
		now := k.opts.Now()
		activatesAt, ok := k.due(keys, now, force)
		if !ok {
			return nil, nil
		}
		nk, err := k.newStoredKey(now, activatesAt)
		added = nk
		return nk, err
	})
	if err != nil {
		return nil, errs.Wrap(err, "adding a signing key")
	}
	if added != nil {
		k.opts.Logger.Info("signing key added", "kid", added.KID, "activates_at", added.ActivatesAt, "encrypted", added.Encrypted)
	}
	return stored, nil
}

func (k *Keyring) newStoredKey(now, activatesAt time.Time) (*StoredKey, error) {
	priv, err := GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("token: generating a key: %w", err)
	}
	der, err := MarshalPKCS8(priv)
	if err != nil {
		return nil, fmt.Errorf("token: encoding a key: %w", err)
	}
	kid := Thumbprint(priv.Public().(ed25519.PublicKey))
	sk := &StoredKey{KID: kid, Algorithm: Algorithm, PrivateKey: der, CreatedAt: now, ActivatesAt: activatesAt}
	if k.aead != nil {
		if sk.PrivateKey, err = seal(k.aead, kid, der); err != nil {
			return nil, err
		}
		sk.Encrypted = true
	}
	return sk, nil
}

// install decodes the stored keys that are still published and makes them the
// Keyring's keys. On error the keys loaded before stay.
func (k *Keyring) install(stored []StoredKey) error {
	now := k.opts.Now()
	keys := make([]*signingKey, 0, len(stored))
	for _, s := range stored {
		var retiredAt time.Time
		if s.RetiredAt != nil {
			retiredAt = *s.RetiredAt
			if !now.Before(retiredAt.Add(k.retention())) {
				continue // no longer published: no need to decode it
			}
		}
		if s.Algorithm != Algorithm {
			return errs.Wrap(fmt.Errorf("token: signing key %s has algorithm %q, want %q", s.KID, s.Algorithm, Algorithm), "loading the signing keys")
		}
		der := s.PrivateKey
		if s.Encrypted {
			var err error
			if der, err = unseal(k.aead, s.KID, s.PrivateKey); err != nil {
				return errs.Wrap(err, "loading the signing keys")
			}
		}
		priv, err := ParsePKCS8(der)
		if err != nil {
			return errs.Wrap(fmt.Errorf("signing key %s: %w", s.KID, err), "loading the signing keys")
		}
		key, err := newSigningKey(priv, s.ActivatesAt, retiredAt)
		if err != nil {
			return errs.Wrap(err, "loading the signing keys")
		}
		if key.kid != s.KID {
			return errs.Wrap(fmt.Errorf("token: signing key stored as %s has thumbprint %s", s.KID, key.kid), "loading the signing keys")
		}
		keys = append(keys, key)
	}
	slices.SortStableFunc(keys, func(a, b *signingKey) int { return a.activatesAt.Compare(b.activatesAt) })
	k.state.Store(&keyState{keys: keys})
	return nil
}

// cleanUp deletes keys no longer published, when there are some. Failures are
// only logged: the rows are retried at the next Refresh.
func (k *Keyring) cleanUp(ctx context.Context, stored []StoredKey) {
	cutoff := k.opts.Now().Add(-k.retention())
	for _, s := range stored {
		if s.RetiredAt != nil && !s.RetiredAt.After(cutoff) {
			n, err := k.store.DeleteSigningKeysRetiredBy(ctx, cutoff)
			if err != nil {
				k.opts.Logger.Warn("deleting expired signing keys failed", "error", err)
			} else if n > 0 {
				k.opts.Logger.Info("expired signing keys deleted", "count", n)
			}
			return
		}
	}
}

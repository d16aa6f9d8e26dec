package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"fedstack/platform/config"
	"fedstack/subgraphs/auth/postgres"
	"fedstack/subgraphs/auth/token"
)

// maxAccessTokenTTL bounds JWT_ACCESS_TOKEN_TTL: an ended session's tokens are
// refused for authn.RevokedSessionTTL (20 min), which must outlive all of them.
const maxAccessTokenTTL = 15 * time.Minute

// KeyConfig is how the access tokens are signed (see docs/development.md).
type KeyConfig struct {
	// PrivateKeyPEM (JWT_PRIVATE_KEY) is one static key; nothing rotates.
	// Empty: the keys are kept in the database and rotate.
	PrivateKeyPEM string
	// EncryptionKey (JWT_KEY_ENCRYPTION_KEY, decoded) seals the private keys in
	// the database; nil: they are stored in plaintext (refused in production).
	EncryptionKey    []byte
	AccessTokenTTL   time.Duration // JWT_ACCESS_TOKEN_TTL
	RotationInterval time.Duration // JWT_KEY_ROTATION_INTERVAL; 0: never
	PublishAhead     time.Duration // JWT_KEY_PUBLISH_AHEAD
	ReloadInterval   time.Duration // JWT_KEY_RELOAD_INTERVAL
}

// loadKeyConfig reads the signing-key variables. The problems it finds beyond
// env's own are returned, each starting with "configuration: ".
func loadKeyConfig(env *config.Env, production bool) (KeyConfig, []string) {
	c := KeyConfig{
		PrivateKeyPEM:    env.String("JWT_PRIVATE_KEY", ""),
		AccessTokenTTL:   env.Duration("JWT_ACCESS_TOKEN_TTL", token.DefaultTTL),
		RotationInterval: env.Duration("JWT_KEY_ROTATION_INTERVAL", token.DefaultRotationInterval),
		PublishAhead:     env.Duration("JWT_KEY_PUBLISH_AHEAD", token.DefaultPublishAhead),
		ReloadInterval:   env.Duration("JWT_KEY_RELOAD_INTERVAL", token.DefaultReloadInterval),
	}
	var problems []string
	problem := func(format string, args ...any) {
		problems = append(problems, "configuration: "+fmt.Sprintf(format, args...))
	}
	encKey := env.String("JWT_KEY_ENCRYPTION_KEY", "")
	switch {
	case c.PrivateKeyPEM != "" && encKey != "":
		problem("set JWT_PRIVATE_KEY (one static key, no rotation) or JWT_KEY_ENCRYPTION_KEY (rotating keys kept encrypted in the database), not both")
	case encKey != "":
		key, err := token.ParseEncryptionKey(encKey)
		if err != nil {
			problem("%s", strings.TrimPrefix(err.Error(), "token: "))
		}
		c.EncryptionKey = key
	case production && c.PrivateKeyPEM == "":
		problem("JWT_PRIVATE_KEY or JWT_KEY_ENCRYPTION_KEY is required when APP_ENV=production: " +
			"JWT_KEY_ENCRYPTION_KEY (base64 of 32 random bytes: openssl rand -base64 32) keeps rotating signing keys encrypted in the database; " +
			"JWT_PRIVATE_KEY (PEM PKCS#8 Ed25519: openssl genpkey -algorithm ed25519) is one static key that never rotates")
	}
	if c.AccessTokenTTL < time.Second || c.AccessTokenTTL > maxAccessTokenTTL {
		problem("JWT_ACCESS_TOKEN_TTL=%s must be between 1s and %s (ended sessions are refused for 20m, which must outlive every access token)", c.AccessTokenTTL, maxAccessTokenTTL)
	}
	if c.ReloadInterval <= 0 {
		problem("JWT_KEY_RELOAD_INTERVAL=%s must be positive", c.ReloadInterval)
	}
	switch {
	case c.RotationInterval < 0 || c.PublishAhead < 0:
		problem("JWT_KEY_ROTATION_INTERVAL and JWT_KEY_PUBLISH_AHEAD cannot be negative (JWT_KEY_ROTATION_INTERVAL=0 disables rotation)")
	case c.RotationInterval == 0:
	case c.RotationInterval <= c.PublishAhead:
		problem("JWT_KEY_ROTATION_INTERVAL=%s must be longer than JWT_KEY_PUBLISH_AHEAD=%s (a new key is published that long before it signs)", c.RotationInterval, c.PublishAhead)
	case c.PublishAhead < c.ReloadInterval:
		problem("JWT_KEY_PUBLISH_AHEAD=%s must be at least JWT_KEY_RELOAD_INTERVAL=%s, so every instance publishes a new key before any signs with it", c.PublishAhead, c.ReloadInterval)
	}
	return c, problems
}

// configError joins env's problems and more into one error (nil when there are none).
func configError(env *config.Env, more []string) error {
	problems := append(env.Problems(), more...)
	if len(problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(problems, "\n"))
}

// newKeyring returns the static JWT_PRIVATE_KEY or, without it, the keys kept in
// the database (the first instance to start creates one), loaded once.
func newKeyring(ctx context.Context, cfg Config, store *postgres.Store, logger *slog.Logger) (*token.Keyring, error) {
	opts := token.Options{
		Issuer:           cfg.Issuer,
		Audience:         cfg.Audience,
		TTL:              cfg.Keys.AccessTokenTTL,
		RotationInterval: cfg.Keys.RotationInterval,
		PublishAhead:     cfg.Keys.PublishAhead,
		ReloadInterval:   cfg.Keys.ReloadInterval,
		EncryptionKey:    cfg.Keys.EncryptionKey,
		Logger:           logger,
	}
	if cfg.Keys.PrivateKeyPEM != "" {
		priv, err := token.ParsePrivateKeyPEM(cfg.Keys.PrivateKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("configuration: %w", err)
		}
		return token.NewStaticKeyring(priv, opts)
	}
	kr, err := token.NewKeyring(store, opts)
	if err != nil {
		return nil, err
	}
	if err := kr.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	return kr, nil
}

// startKeyRotation runs kr's reload and rotation loop until ctx ends or stop is
// called; stop waits for the loop to return (call it before closing the pool).
func startKeyRotation(ctx context.Context, kr *token.Keyring) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { kr.Run(ctx) })
	return func() {
		cancel()
		wg.Wait()
	}
}

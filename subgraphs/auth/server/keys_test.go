package server_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"fedstack/platform/authn"
	"fedstack/platform/platformtest"
	"fedstack/subgraphs/auth/server"
	"fedstack/subgraphs/auth/token"
)

var testEncryptionKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

func TestSigningKeyConfig(t *testing.T) {
	load := func(vars map[string]string) (server.Config, error) {
		return server.LoadConfig(func(name string) string { return vars[name] })
	}

	// Defaults: database keys in plaintext, rotating every 30 days.
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if k := c.Keys; k.PrivateKeyPEM != "" || k.EncryptionKey != nil || k.AccessTokenTTL != 15*time.Minute ||
		k.RotationInterval != 30*24*time.Hour || k.PublishAhead != 20*time.Minute || k.ReloadInterval != time.Minute {
		t.Fatalf("defaults: %+v", k)
	}

	// Production: database keys need the encryption key.
	prod := map[string]string{"APP_ENV": "production", "INTERNAL_SECRET": "a-real-secret", "DATABASE_URL": "postgres://db/auth",
		"REFRESH_TOKEN_SECRET": "another-real-secret", "SMTP_URL": "smtp://mail.example.com:587"}
	_, err = load(prod)
	if err == nil || !strings.Contains(err.Error(), "JWT_PRIVATE_KEY or JWT_KEY_ENCRYPTION_KEY is required") ||
		!strings.Contains(err.Error(), "openssl rand -base64 32") {
		t.Fatalf("production without keys: %v", err)
	}
	prod["JWT_KEY_ENCRYPTION_KEY"] = testEncryptionKey
	if c, err = load(prod); err != nil || len(c.Keys.EncryptionKey) != 32 {
		t.Fatalf("production with JWT_KEY_ENCRYPTION_KEY: %+v, %v", c.Keys, err)
	}
	delete(prod, "JWT_KEY_ENCRYPTION_KEY")
	prod["JWT_PRIVATE_KEY"] = "pem"
	if c, err = load(prod); err != nil || c.Keys.PrivateKeyPEM != "pem" {
		t.Fatalf("production with JWT_PRIVATE_KEY: %+v, %v", c.Keys, err)
	}

	// Short settings for tests are accepted.
	c, err = load(map[string]string{"JWT_ACCESS_TOKEN_TTL": "3s", "JWT_KEY_ROTATION_INTERVAL": "2s",
		"JWT_KEY_PUBLISH_AHEAD": "500ms", "JWT_KEY_RELOAD_INTERVAL": "100ms"})
	if err != nil || c.Keys.AccessTokenTTL != 3*time.Second || c.Keys.RotationInterval != 2*time.Second ||
		c.Keys.PublishAhead != 500*time.Millisecond || c.Keys.ReloadInterval != 100*time.Millisecond {
		t.Fatalf("short settings: %+v, %v", c.Keys, err)
	}
	if c, err = load(map[string]string{"JWT_KEY_ROTATION_INTERVAL": "0"}); err != nil || c.Keys.RotationInterval != 0 {
		t.Fatalf("rotation disabled: %+v, %v", c.Keys, err)
	}

	for _, bad := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{"JWT_PRIVATE_KEY": "pem", "JWT_KEY_ENCRYPTION_KEY": testEncryptionKey}, "not both"},
		{map[string]string{"JWT_KEY_ENCRYPTION_KEY": "c2hvcnQ="}, "JWT_KEY_ENCRYPTION_KEY holds 5 bytes"},
		{map[string]string{"JWT_ACCESS_TOKEN_TTL": "1h"}, "JWT_ACCESS_TOKEN_TTL=1h0m0s must be between 1s and 15m0s"},
		{map[string]string{"JWT_ACCESS_TOKEN_TTL": "500ms"}, "JWT_ACCESS_TOKEN_TTL=500ms must be between"},
		{map[string]string{"JWT_ACCESS_TOKEN_TTL": "soon"}, `JWT_ACCESS_TOKEN_TTL="soon" is not a duration`},
		{map[string]string{"JWT_KEY_ROTATION_INTERVAL": "10m"}, "JWT_KEY_ROTATION_INTERVAL=10m0s must be longer than JWT_KEY_PUBLISH_AHEAD=20m0s"},
		{map[string]string{"JWT_KEY_PUBLISH_AHEAD": "30s"}, "JWT_KEY_PUBLISH_AHEAD=30s must be at least JWT_KEY_RELOAD_INTERVAL=1m0s"},
		{map[string]string{"JWT_KEY_RELOAD_INTERVAL": "0s"}, "JWT_KEY_RELOAD_INTERVAL=0s must be positive"},
		{map[string]string{"JWT_KEY_ROTATION_INTERVAL": "-1h"}, "cannot be negative"},
	} {
		if _, err := load(bad.vars); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%v: err = %v, want %q", bad.vars, err, bad.want)
		}
	}
	// Every problem is reported at once.
	_, err = load(map[string]string{"PORT": "x", "JWT_ACCESS_TOKEN_TTL": "1h"})
	if err == nil || !strings.Contains(err.Error(), "PORT") || !strings.Contains(err.Error(), "JWT_ACCESS_TOKEN_TTL") {
		t.Fatalf("two problems: %v", err)
	}
}

// TestScheduledKeyRotation runs the auth service with a rotation interval of
// seconds: the loop adds encrypted keys on schedule and the JWKS publishes them
// ahead of use, next to the key they replace.
func TestScheduledKeyRotation(t *testing.T) {
	dbURL := platformtest.PostgresURL(t)
	svc := platformtest.Start(t, server.Run, map[string]string{
		"DATABASE_URL":              dbURL,
		"REDIS_URL":                 platformtest.RedisURL(t),
		"INTERNAL_SECRET":           secret,
		"JWT_ACCESS_TOKEN_TTL":      "2s",
		"JWT_KEY_ROTATION_INTERVAL": "1500ms",
		"JWT_KEY_PUBLISH_AHEAD":     "300ms",
		"JWT_KEY_RELOAD_INTERVAL":   "100ms",
		"JWT_KEY_ENCRYPTION_KEY":    testEncryptionKey,
	})
	jwks := func() map[string]bool {
		resp, err := http.Get(svc.URL + "/.well-known/jwks.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		keys, err := authn.ParseJWKS(body)
		if err != nil {
			t.Fatal(err)
		}
		kids := map[string]bool{}
		for kid := range keys {
			kids[kid] = true
		}
		return kids
	}
	first := jwks()
	if len(first) != 1 {
		t.Fatalf("JWKS at start: %v", first)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		kids := jwks()
		if len(kids) >= 2 {
			for kid := range first {
				if !kids[kid] {
					t.Fatalf("the first key left the JWKS as soon as a second came: %v", kids)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no second key in the JWKS within 15s: %v", kids)
		}
		time.Sleep(100 * time.Millisecond)
	}

	db, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	rows, err := db.Query(context.Background(), `SELECT kid, encrypted, private_key, retired_at IS NOT NULL FROM signing_keys ORDER BY activates_at`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		kid       string
		encrypted bool
		priv      []byte
		retired   bool
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.kid, &x.encrypted, &x.priv, &x.retired)
	})
	if err != nil || len(got) < 2 {
		t.Fatalf("stored keys: %+v, %v", got, err)
	}
	for _, r := range got {
		if !r.encrypted {
			t.Errorf("key %s is stored in plaintext", r.kid)
		}
		if _, err := token.ParsePKCS8(r.priv); err == nil {
			t.Errorf("key %s parses without decryption", r.kid)
		}
	}
	if !got[0].retired || got[len(got)-1].retired {
		t.Fatalf("retirement: %+v", got)
	}
}

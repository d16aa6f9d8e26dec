package token_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
	"fedstack/platform/platformtest"
	"fedstack/subgraphs/auth"
	"fedstack/subgraphs/auth/migrations"
	"fedstack/subgraphs/auth/postgres"
	"fedstack/subgraphs/auth/token"
)

// clock is a settable time source for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newStore returns a postgres.Store on a fresh, migrated database.
func newStore(t *testing.T) *postgres.Store {
	t.Helper()
	return postgres.New(platformtest.MigratedPool(t, migrations.FS()))
}

func newKeyring(t *testing.T, store token.KeyStore, opts token.Options) *token.Keyring {
	t.Helper()
	opts.Issuer, opts.Audience = "iss", "aud"
	kr, err := token.NewKeyring(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// jwksKIDs returns the kids the keyring's JWKS handler serves, in order, and
// the keys parsed from it.
func jwksKIDs(t *testing.T, kr *token.Keyring) ([]string, map[string]crypto.PublicKey) {
	t.Helper()
	rec := httptest.NewRecorder()
	kr.JWKSHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/jwks.json", nil))
	keys, err := authn.ParseJWKS(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("JWKS %s: %v", rec.Body, err)
	}
	var doc authn.JWKS
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range doc.Keys {
		kids = append(kids, k.Kid)
	}
	return kids, keys
}

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	parsed, _, err := jwt.NewParser().ParseUnverified(tok, jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := parsed.Header["kid"].(string)
	return kid
}

func issue(t *testing.T, kr *token.Keyring) string {
	t.Helper()
	tok, _, err := kr.IssueAccessToken("user-1", "session-1", auth.RoleUser)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func storedKIDs(t *testing.T, store *postgres.Store) []string {
	t.Helper()
	keys, err := store.SigningKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var kids []string
	for _, k := range keys {
		kids = append(kids, k.KID)
	}
	return kids
}

// TestKeyRotationKeepsOldTokensValid walks a keyring through a scheduled rotation
// with an injected clock. The verifiers run on the real clock, so the schedule is
// laid out to end at the real time: the rotation happens 4 minutes ago, the new
// key signs from 2 minutes ago, and the token of the old key is still live.
func TestKeyRotationKeepsOldTokensValid(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	const (
		ttl      = 15 * time.Minute
		interval = 20 * time.Minute
		ahead    = 2 * time.Minute
	)
	wall := time.Now().Truncate(time.Second)
	base := wall.Add(-interval - ahead) // key 1 signs from here
	clk := &clock{t: base}
	opts := token.Options{TTL: ttl, RotationInterval: interval, PublishAhead: ahead, Now: clk.Now}
	kr := newKeyring(t, store, opts)
	if kr.KID() != "" {
		t.Fatalf("KID before the first Refresh = %q", kr.KID())
	}
	if _, _, err := kr.IssueAccessToken("u", "s", auth.RoleUser); errs.CodeOf(err) != errs.Internal {
		t.Fatalf("issuing without keys: %v", err)
	}

	// The first Refresh creates the first key, signing at once.
	if err := kr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	kid1 := kr.KID()
	if kids, _ := jwksKIDs(t, kr); kid1 == "" || !slices.Equal(kids, []string{kid1}) {
		t.Fatalf("JWKS %v, kid %q", kids, kid1)
	}
	clk.Set(base.Add(interval - ahead - time.Minute))
	tokA := issue(t, kr) // exp: wall+10m
	if kidOf(t, tokA) != kid1 {
		t.Fatalf("token A has kid %q, want %q", kidOf(t, tokA), kid1)
	}

	// Not due yet: nothing changes.
	clk.Set(base.Add(interval - ahead - time.Second))
	if err := kr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := storedKIDs(t, store); len(got) != 1 {
		t.Fatalf("stored keys before the rotation is due: %v", got)
	}

	// Due: a second key is published at once but signs only after PublishAhead.
	rotatedAt := base.Add(interval - ahead)
	clk.Set(rotatedAt)
	if err := kr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	stored := storedKIDs(t, store)
	if len(stored) != 2 || stored[0] != kid1 {
		t.Fatalf("stored keys after the rotation: %v", stored)
	}
	kid2 := stored[1]
	if kids, _ := jwksKIDs(t, kr); !slices.Equal(kids, []string{kid2, kid1}) {
		t.Fatalf("JWKS after the rotation = %v, want [%s %s]", kids, kid2, kid1)
	}
	clk.Set(rotatedAt.Add(ahead - time.Second))
	if kr.KID() != kid1 || kidOf(t, issue(t, kr)) != kid1 {
		t.Fatalf("the new key signs before PublishAhead: KID %q", kr.KID())
	}
	// Its activation needs no Refresh: the schedule is in the loaded rows.
	clk.Set(rotatedAt.Add(ahead))
	if kr.KID() != kid2 {
		t.Fatalf("KID at activation = %q, want %q", kr.KID(), kid2)
	}
	clk.Set(wall)
	tokB := issue(t, kr)
	if kidOf(t, tokB) != kid2 {
		t.Fatalf("token B has kid %q, want %q", kidOf(t, tokB), kid2)
	}

	// Both tokens verify: with Keys, and with the served JWKS.
	_, served := jwksKIDs(t, kr)
	for name, keys := range map[string]func(context.Context) (map[string]crypto.PublicKey, error){
		"Keys":        kr.Keys,
		"served JWKS": func(context.Context) (map[string]crypto.PublicKey, error) { return served, nil },
	} {
		v := authn.NewVerifier(authn.VerifierOptions{Keys: keys, Issuer: "iss", Audience: "aud", CacheSize: -1})
		for _, tok := range []string{tokA, tokB} {
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatalf("%s: token of %s: %v", name, kidOf(t, tok), err)
			}
		}
	}

	// Another instance loading the same store agrees, and adds no key.
	other := newKeyring(t, store, opts)
	if err := other.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if kids, _ := jwksKIDs(t, other); other.KID() != kid2 || !slices.Equal(kids, []string{kid2, kid1}) {
		t.Fatalf("other instance: KID %q, JWKS %v", other.KID(), kids)
	}
	if got := storedKIDs(t, store); len(got) != 2 {
		t.Fatalf("a second instance added a key: %v", got)
	}

	// The old key stays published until every token it signed has expired (TTL
	// after its retirement) plus RetentionLeeway, then leaves the JWKS ...
	retiredAt := rotatedAt.Add(ahead)
	clk.Set(retiredAt.Add(ttl + token.RetentionLeeway - time.Second))
	if kids, _ := jwksKIDs(t, kr); !slices.Equal(kids, []string{kid2, kid1}) {
		t.Fatalf("JWKS just before the old key's end = %v", kids)
	}
	clk.Set(retiredAt.Add(ttl + token.RetentionLeeway))
	if kids, _ := jwksKIDs(t, kr); !slices.Equal(kids, []string{kid2}) {
		t.Fatalf("JWKS after the old key's end = %v, want [%s]", kids, kid2)
	}
	v := authn.NewVerifier(authn.VerifierOptions{Keys: kr.Keys, Issuer: "iss", Audience: "aud", CacheSize: -1})
	if _, err := v.Verify(ctx, tokA); errs.CodeOf(err) != errs.Unauthenticated || !strings.Contains(err.Error(), "unknown signing key") {
		t.Fatalf("token of the dropped key: %v", err)
	}
	if _, err := v.Verify(ctx, tokB); err != nil {
		t.Fatalf("token of the current key: %v", err)
	}
	// ... and the next Refresh deletes its row (no new key is due yet).
	if err := kr.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if got := storedKIDs(t, store); !slices.Equal(got, []string{kid2}) {
		t.Fatalf("stored keys after clean-up = %v, want [%s]", got, kid2)
	}
}

// TestConcurrentRefreshAddsOneKey runs instances whose rotation is due at the same
// moment: one key is added between them and they all converge on it.
func TestConcurrentRefreshAddsOneKey(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	clk := &clock{t: time.Now().Truncate(time.Second)}
	opts := token.Options{RotationInterval: time.Hour, PublishAhead: time.Minute, Now: clk.Now}

	rings := make([]*token.Keyring, 5)
	for i := range rings {
		rings[i] = newKeyring(t, store, opts)
	}
	refreshAll := func() {
		var wg sync.WaitGroup
		for _, kr := range rings {
			wg.Go(func() {
				if err := kr.Refresh(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	refreshAll() // the store is empty: one first key
	if got := storedKIDs(t, store); len(got) != 1 {
		t.Fatalf("first start stored %v, want one key", got)
	}
	clk.Set(clk.Now().Add(time.Hour - time.Minute)) // due
	refreshAll()
	got := storedKIDs(t, store)
	if len(got) != 2 {
		t.Fatalf("concurrent rotation stored %v, want two keys", got)
	}
	clk.Set(clk.Now().Add(time.Minute))
	for i, kr := range rings {
		if kr.KID() != got[1] {
			t.Fatalf("instance %d signs with %q, want %q", i, kr.KID(), got[1])
		}
	}
}

// TestRotateNow checks the forced rotation: the new key is published at once and
// signs after PublishAhead, also in an instance that only refreshes.
func TestRotateNow(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	start := time.Now().Truncate(time.Second)
	clk := &clock{t: start}
	opts := token.Options{RotationInterval: 0, PublishAhead: 30 * time.Second, Now: clk.Now}
	a, b := newKeyring(t, store, opts), newKeyring(t, store, opts)
	for _, kr := range []*token.Keyring{a, b} {
		if err := kr.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	kid1 := a.KID()
	if b.KID() != kid1 {
		t.Fatalf("instances disagree: %q %q", a.KID(), b.KID())
	}
	// Rotation disabled: nothing happens on schedule, even much later.
	clk.Set(start.Add(365 * 24 * time.Hour))
	if err := a.Refresh(ctx); err != nil || a.KID() != kid1 || len(storedKIDs(t, store)) != 1 {
		t.Fatalf("rotation disabled, yet: %v, %q, %v", err, a.KID(), storedKIDs(t, store))
	}
	if err := a.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	kids, _ := jwksKIDs(t, b)
	if len(kids) != 2 || kids[1] != kid1 || a.KID() != kid1 || b.KID() != kid1 {
		t.Fatalf("after Rotate: JWKS %v, signing %q/%q", kids, a.KID(), b.KID())
	}
	clk.Set(clk.Now().Add(30 * time.Second))
	if a.KID() != kids[0] || b.KID() != kids[0] {
		t.Fatalf("after PublishAhead: signing %q/%q, want %q", a.KID(), b.KID(), kids[0])
	}
}

// TestClockSkewAtFirstStart: an instance whose clock is behind sees the first key as not yet
// active; it signs with it rather than failing.
func TestClockSkewAtFirstStart(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	now := time.Now()
	a := newKeyring(t, store, token.Options{Now: func() time.Time { return now }})
	b := newKeyring(t, store, token.Options{Now: func() time.Time { return now.Add(-2 * time.Second) }})
	if err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if a.KID() == "" || b.KID() != a.KID() || len(storedKIDs(t, store)) != 1 {
		t.Fatalf("KIDs %q %q, stored %v", a.KID(), b.KID(), storedKIDs(t, store))
	}
}

// TestEncryptedKeys: with an encryption key the stored private keys are sealed;
// without it, or with another one, they do not load; plaintext keys still load.
func TestEncryptedKeys(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	encKey := bytes.Repeat([]byte{7}, 32)
	clk := &clock{t: time.Now()}

	// A development key stored in plaintext before encryption was configured.
	plain := newKeyring(t, store, token.Options{Now: clk.Now})
	if err := plain.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	kid1 := plain.KID()

	sealed := newKeyring(t, store, token.Options{Now: clk.Now, EncryptionKey: encKey, PublishAhead: time.Second})
	if err := sealed.Refresh(ctx); err != nil || sealed.KID() != kid1 {
		t.Fatalf("plaintext key with an encryption key: %v, kid %q", err, sealed.KID())
	}
	if err := sealed.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Set(clk.Now().Add(time.Second))
	kid2 := sealed.KID()
	if kid2 == kid1 || kid2 == "" {
		t.Fatalf("kid after rotation %q", kid2)
	}
	keys, err := store.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		switch k.KID {
		case kid1:
			if k.Encrypted {
				t.Fatal("the plaintext key was marked encrypted")
			}
			if _, err := token.ParsePKCS8(k.PrivateKey); err != nil {
				t.Fatal(err)
			}
		case kid2:
			if !k.Encrypted {
				t.Fatal("the new key is not encrypted")
			}
			if _, err := token.ParsePKCS8(k.PrivateKey); err == nil {
				t.Fatal("the encrypted key parses as a plaintext key")
			}
		}
	}
	tok := issue(t, sealed)
	if _, err := authn.NewVerifier(authn.VerifierOptions{Keys: sealed.Keys, Issuer: "iss", Audience: "aud"}).Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}

	// Another instance with the same key loads it; without or with another, it fails.
	same := newKeyring(t, store, token.Options{Now: clk.Now, EncryptionKey: encKey})
	if err := same.Refresh(ctx); err != nil || same.KID() != kid2 {
		t.Fatalf("same encryption key: %v, kid %q", err, same.KID())
	}
	for name, c := range map[string]struct {
		key  []byte
		want string
	}{
		"no key":    {nil, "set JWT_KEY_ENCRYPTION_KEY"},
		"other key": {bytes.Repeat([]byte{8}, 32), "not the key it was encrypted with"},
	} {
		kr := newKeyring(t, store, token.Options{Now: clk.Now, EncryptionKey: c.key})
		if err := kr.Refresh(ctx); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), kid2) {
			t.Fatalf("%s: Refresh = %v, want an error with %q", name, err, c.want)
		}
	}
}

func TestParseEncryptionKey(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 9)
	}
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(key),
		base64.RawURLEncoding.EncodeToString(key),
		" " + base64.StdEncoding.EncodeToString(key) + "\n",
	} {
		got, err := token.ParseEncryptionKey(s)
		if err != nil || !bytes.Equal(got, key) {
			t.Fatalf("ParseEncryptionKey(%q) = %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(key[:16])} {
		if _, err := token.ParseEncryptionKey(s); err == nil || !strings.Contains(err.Error(), "openssl rand -base64 32") {
			t.Fatalf("ParseEncryptionKey(%q): err = %v", s, err)
		}
	}
}

func TestKeyringOptionsAreChecked(t *testing.T) {
	store := newStore(t)
	for _, o := range []token.Options{
		{Issuer: "", Audience: "aud"},
		{Issuer: "iss", Audience: "aud", RotationInterval: time.Minute, PublishAhead: time.Minute},
		{Issuer: "iss", Audience: "aud", PublishAhead: -time.Second},
		{Issuer: "iss", Audience: "aud", EncryptionKey: []byte("short")},
	} {
		if _, err := token.NewKeyring(store, o); err == nil {
			t.Errorf("NewKeyring(%+v) succeeded", o)
		}
	}
	if _, err := token.NewKeyring(nil, token.Options{Issuer: "iss", Audience: "aud"}); err == nil {
		t.Error("NewKeyring(nil) succeeded")
	}
}

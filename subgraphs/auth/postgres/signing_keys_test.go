package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fedstack/subgraphs/auth/postgres"
)

// rotateIfOlder adds key kid, signing at activatesAt, when the newest stored key
// activated before cutoff (or there is none): what a Keyring decides. It takes
// its time, so that without the store's lock concurrent calls would overlap.
func rotateIfOlder(kid string, cutoff, activatesAt time.Time, decided *atomic.Int32) func([]postgres.SigningKey) (*postgres.SigningKey, error) {
	return func(keys []postgres.SigningKey) (*postgres.SigningKey, error) {
		for _, k := range keys {
			if !k.ActivatesAt.Before(cutoff) {
				return nil, nil
			}
		}
		decided.Add(1)
		time.Sleep(50 * time.Millisecond)
		return &postgres.SigningKey{KID: kid, Algorithm: "EdDSA", PrivateKey: []byte(kid), CreatedAt: cutoff, ActivatesAt: activatesAt}, nil
	}
}

func TestConcurrentRotateSigningKeyAddsOneKey(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	t0 := time.Now().Truncate(time.Second)
	var decided atomic.Int32

	first, err := s.RotateSigningKey(ctx, rotateIfOlder("k0", t0, t0, &decided))
	if err != nil || len(first) != 1 || first[0].KID != "k0" || !first[0].ActivatesAt.Equal(t0) || first[0].RetiredAt != nil {
		t.Fatalf("first key: %+v, %v", first, err)
	}

	// Instances find the rotation due at once: one key is added.
	t1 := t0.Add(time.Hour)
	results := make([][]postgres.SigningKey, 4)
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			keys, err := s.RotateSigningKey(ctx, rotateIfOlder(fmt.Sprintf("k1-%d", i), t1, t1.Add(time.Minute), &decided))
			if err != nil {
				t.Error(err)
			}
			results[i] = keys
		})
	}
	wg.Wait()
	if n := decided.Load(); n != 2 {
		t.Fatalf("%d rotations decided, want 2 (the first key and one of the instances)", n)
	}
	keys, err := s.SigningKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].KID != "k0" {
		t.Fatalf("stored keys: %+v", keys)
	}
	added := keys[1]
	if !added.ActivatesAt.Equal(t1.Add(time.Minute)) || added.RetiredAt != nil || !added.CreatedAt.Equal(t1) || added.Encrypted {
		t.Fatalf("added key: %+v", added)
	}
	// The previous key retires when the new one activates.
	if keys[0].RetiredAt == nil || !keys[0].RetiredAt.Equal(added.ActivatesAt) {
		t.Fatalf("old key retired at %v, want %v", keys[0].RetiredAt, added.ActivatesAt)
	}
	// Both instances got the keys after the change.
	for i, r := range results {
		if len(r) != 2 || r[1].KID != added.KID {
			t.Fatalf("instance %d saw %+v", i, r)
		}
	}

	// A key already retired earlier keeps its retirement time.
	t2 := t1.Add(time.Hour)
	if _, err := s.RotateSigningKey(ctx, rotateIfOlder("k2", t2, t2, &decided)); err != nil {
		t.Fatal(err)
	}
	keys, _ = s.SigningKeys(ctx)
	if len(keys) != 3 || !keys[0].RetiredAt.Equal(t1.Add(time.Minute)) || !keys[1].RetiredAt.Equal(t2) || keys[2].RetiredAt != nil {
		t.Fatalf("after a second rotation: %+v", keys)
	}

	// An error from decide rolls back and is reported.
	boom := errors.New("boom")
	if _, err := s.RotateSigningKey(ctx, func([]postgres.SigningKey) (*postgres.SigningKey, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("decide error: %v", err)
	}

	// Deleting by retirement time: k0 (retired t1+1m) goes, k1 (retired t2) stays.
	n, err := s.DeleteSigningKeysRetiredBy(ctx, t1.Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("deleted %d, %v", n, err)
	}
	keys, _ = s.SigningKeys(ctx)
	if len(keys) != 2 || keys[0].KID != added.KID || keys[1].KID != "k2" {
		t.Fatalf("after delete: %+v", keys)
	}
}

func TestSigningKeyEncryptedFlagRoundTrips(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	now := time.Now().Truncate(time.Microsecond)
	_, err := s.RotateSigningKey(ctx, func([]postgres.SigningKey) (*postgres.SigningKey, error) {
		return &postgres.SigningKey{KID: "sealed", Algorithm: "EdDSA", PrivateKey: []byte{1, 2, 3}, Encrypted: true, ActivatesAt: now}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := s.SigningKeys(ctx)
	if err != nil || len(keys) != 1 {
		t.Fatalf("%+v, %v", keys, err)
	}
	k := keys[0]
	if !k.Encrypted || string(k.PrivateKey) != "\x01\x02\x03" || !k.ActivatesAt.Equal(now) || k.CreatedAt.IsZero() {
		t.Fatalf("stored key: %+v", k)
	}
	// Algorithms other than EdDSA are refused by the table.
	_, err = s.RotateSigningKey(ctx, func([]postgres.SigningKey) (*postgres.SigningKey, error) {
		return &postgres.SigningKey{KID: "rsa", Algorithm: "RS256", PrivateKey: []byte{1}, ActivatesAt: now}, nil
	})
	if err == nil {
		t.Fatal("an RS256 key was stored")
	}
}

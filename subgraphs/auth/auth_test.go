package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"fedstack/platform/errs"
	"fedstack/subgraphs/auth"
)

func TestValidateSignup(t *testing.T) {
	ok := auth.SignupInput{Email: "  Ada@Example.COM ", Password: "correct horse", Name: "  Ada Lovelace "}
	got, err := auth.ValidateSignup(ok)
	if err != nil {
		t.Fatalf("ValidateSignup(%+v): %v", ok, err)
	}
	if got.Email != "ada@example.com" || got.Name != "Ada Lovelace" || got.Password != "correct horse" {
		t.Fatalf("normalized = %+v", got)
	}

	cases := []struct {
		name  string
		in    auth.SignupInput
		field string
		msg   string
	}{
		{"empty email", auth.SignupInput{Email: " ", Password: "12345678", Name: "A"}, "email", "email is required"},
		{"no at", auth.SignupInput{Email: "ada.example.com", Password: "12345678", Name: "A"}, "email", "email must be an address"},
		{"display name", auth.SignupInput{Email: "Ada <ada@example.com>", Password: "12345678", Name: "A"}, "email", "email must be an address"},
		{"too long email", auth.SignupInput{Email: strings.Repeat("a", 250) + "@x.io", Password: "12345678", Name: "A"}, "email", "at most 254"},
		{"short password", auth.SignupInput{Email: "a@b.io", Password: "1234567", Name: "A"}, "password", "password must be 8 to 128 characters long"},
		{"long password", auth.SignupInput{Email: "a@b.io", Password: strings.Repeat("p", 129), Name: "A"}, "password", "password must be 8 to 128 characters long"},
		{"blank name", auth.SignupInput{Email: "a@b.io", Password: "12345678", Name: "   "}, "name", "name must be 1 to 100 characters long"},
		{"long name", auth.SignupInput{Email: "a@b.io", Password: "12345678", Name: strings.Repeat("n", 101)}, "name", "name must be 1 to 100 characters long"},
		{"control char", auth.SignupInput{Email: "a@b.io", Password: "12345678", Name: "a\x00b"}, "name", "control characters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := auth.ValidateSignup(c.in)
			var e *errs.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *errs.Error", err)
			}
			if e.Code != errs.Invalid || e.Field != c.field || !strings.Contains(e.Message, c.msg) {
				t.Fatalf("err = %+v, want INVALID on %s containing %q", e, c.field, c.msg)
			}
		})
	}

	// Length counts characters, not bytes: 8 two-byte characters are fine.
	if err := auth.ValidatePassword("éééééééé"); err != nil {
		t.Fatalf("8 runes: %v", err)
	}
	// 100 multi-byte characters are a valid name.
	if _, err := auth.NormalizeName(strings.Repeat("é", 100)); err != nil {
		t.Fatalf("100 runes: %v", err)
	}
}

func TestPasswordHasher(t *testing.T) {
	ctx := context.Background()
	h := auth.NewPasswordHasher(2)
	hash, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash = %q, want argon2id PHC with m=19456,t=2,p=1", hash)
	}
	other, err := h.Hash(ctx, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if other == hash {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	if ok, err := h.Verify(ctx, "correct horse battery", hash); err != nil || !ok {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
	if ok, err := h.Verify(ctx, "correct horse batterY", hash); err != nil || ok {
		t.Fatalf("Verify(wrong) = %v, %v", ok, err)
	}
	for _, bad := range []string{
		"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if _, err := h.Verify(ctx, "x", bad); err == nil {
			t.Errorf("Verify(%q) accepted a malformed hash", bad)
		}
	}

}

func TestNewPasswordRules(t *testing.T) {
	svc := auth.NewService(auth.ServiceConfig{})
	for _, p := range []string{" qwerty ", "   abc      ", "password123", "12345678"} {
		_, err := svc.ChangePassword(context.Background(), "u", "s", auth.ChangePasswordInput{CurrentPassword: "x", NewPassword: p})
		if errs.CodeOf(err) != errs.Invalid {
			t.Errorf("new password %q: %v, want INVALID", p, err)
		}
	}
}

package config_test

import (
	"strings"
	"testing"
	"time"

	"fedstack/platform/config"
)

func env(vars map[string]string) *config.Env {
	return config.New(func(k string) string { return vars[k] })
}

func TestDefaultsInDevelopment(t *testing.T) {
	e := env(nil)
	if got := e.Environment(); got != "development" {
		t.Errorf("Environment() = %q, want development", got)
	}
	if e.Production() {
		t.Error("Production() = true without APP_ENV")
	}
	if got := e.String("X", "d"); got != "d" {
		t.Errorf("String default = %q", got)
	}
	if got := e.Int("PORT", 4001); got != 4001 {
		t.Errorf("Int default = %d", got)
	}
	if got := e.Duration("T", 3*time.Second); got != 3*time.Second {
		t.Errorf("Duration default = %s", got)
	}
	if got := e.Bool("B", true); !got {
		t.Error("Bool default lost")
	}
	if got := e.Secret("INTERNAL_SECRET", "dev-secret"); got != "dev-secret" {
		t.Errorf("Secret outside production = %q, want the dev default", got)
	}
	if err := e.Err(); err != nil {
		t.Errorf("Err() = %v, want nil", err)
	}
}

func TestValuesAreParsed(t *testing.T) {
	e := env(map[string]string{"APP_ENV": "test", "PORT": "4003", "T": "1m30s", "B": "false", "S": " x "})
	if e.Environment() != "test" || e.Int("PORT", 0) != 4003 || e.Duration("T", 0) != 90*time.Second || e.Bool("B", true) || e.String("S", "") != "x" {
		t.Error("values not parsed as expected")
	}
	if err := e.Err(); err != nil {
		t.Errorf("Err() = %v", err)
	}
}

func TestErrListsEveryProblem(t *testing.T) {
	e := env(map[string]string{
		"APP_ENV":  "production",
		"PORT":     "abc",
		"TIMEOUT":  "5 seconds",
		"VERBOSE":  "maybe",
		"JWT_KEY":  "dev-key",
		"OTHER_OK": "1",
	})
	e.Int("PORT", 4000)
	e.Duration("TIMEOUT", time.Second)
	e.Bool("VERBOSE", false)
	e.Secret("INTERNAL_SECRET", "dev-secret")
	e.Secret("JWT_KEY", "dev-key")
	e.Required("DATABASE_URL")
	e.Int("PORT", 4000) // asked twice: reported once

	err := e.Err()
	if err == nil {
		t.Fatal("Err() = nil")
	}
	want := []string{
		`configuration: PORT="abc" is not a whole number`,
		`configuration: TIMEOUT="5 seconds" is not a duration`,
		`configuration: VERBOSE="maybe" is not a boolean`,
		`configuration: INTERNAL_SECRET is required when APP_ENV=production`,
		`configuration: JWT_KEY must not be the development default when APP_ENV=production`,
		`configuration: DATABASE_URL is required`,
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("Err() has %d lines, want %d:\n%v", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

func TestUnknownEnvironment(t *testing.T) {
	e := env(map[string]string{"APP_ENV": "staging"})
	if e.Environment() != "development" {
		t.Error("unknown APP_ENV should fall back to development")
	}
	if err := e.Err(); err == nil || !strings.Contains(err.Error(), `APP_ENV="staging"`) {
		t.Errorf("Err() = %v, want the APP_ENV problem", err)
	}
}

// Package config reads service configuration from environment variables and collects every
// problem it finds, so a service can report all of them at once at start-up.
package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Environments accepted in APP_ENV.
const (
	Development = "development"
	Test        = "test"
	Production  = "production"
)

// Env reads variables through a getenv function and records problems instead of failing at
// the first one. Call Err after reading everything. An Env is safe for concurrent use.
type Env struct {
	getenv func(string) string

	mu       sync.Mutex
	problems []string
}

// New returns an Env reading variables with getenv (os.Getenv when nil).
func New(getenv func(string) string) *Env {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &Env{getenv: getenv}
}

func (e *Env) lookup(name string) string {
	return strings.TrimSpace(e.getenv(name))
}

// problem records one configuration problem (each distinct text once).
func (e *Env) problem(format string, args ...any) {
	msg := "configuration: " + fmt.Sprintf(format, args...)
	e.mu.Lock()
	defer e.mu.Unlock()
	if !slices.Contains(e.problems, msg) {
		e.problems = append(e.problems, msg)
	}
}

// Environment returns APP_ENV: "development" (the default when unset), "test" or
// "production". Any other value is recorded as an error and "development" is returned.
func (e *Env) Environment() string {
	v := strings.ToLower(e.lookup("APP_ENV"))
	switch v {
	case "":
		return Development
	case Development, Test, Production:
		return v
	default:
		e.problem("APP_ENV=%q is not an environment (use development, test or production)", e.getenv("APP_ENV"))
		return Development
	}
}

// Production reports whether APP_ENV=production.
func (e *Env) Production() bool { return e.Environment() == Production }

// String returns the variable, or def when it is unset or blank.
func (e *Env) String(name, def string) string {
	if v := e.lookup(name); v != "" {
		return v
	}
	return def
}

// Int returns the variable as a whole number, or def when unset. A value that is not a whole
// number is recorded as an error (and def returned).
func (e *Env) Int(name string, def int) int {
	v := e.lookup(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.problem("%s=%q is not a whole number", name, v)
		return def
	}
	return n
}

// Duration returns the variable parsed with Go duration syntax ("500ms", "5s", "1h30m"), or def
// when unset. A bad value is recorded as an error (and def returned).
func (e *Env) Duration(name string, def time.Duration) time.Duration {
	v := e.lookup(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.problem("%s=%q is not a duration (write it like 500ms, 5s, 2m or 1h30m)", name, v)
		return def
	}
	return d
}

// Bool returns the variable as a boolean (1, t, true, 0, f, false in any case), or def when
// unset. A bad value is recorded as an error (and def returned).
func (e *Env) Bool(name string, def bool) bool {
	v := e.lookup(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.ToLower(v))
	if err != nil {
		e.problem("%s=%q is not a boolean (use true or false)", name, v)
		return def
	}
	return b
}

// Secret returns a secret. In production it is required: an empty value, or one equal to
// devDefault, is recorded as an error. Elsewhere devDefault is used when it is unset.
func (e *Env) Secret(name, devDefault string) string {
	v := e.lookup(name)
	if !e.Production() {
		if v == "" {
			return devDefault
		}
		return v
	}
	switch {
	case v == "":
		e.problem("%s is required when APP_ENV=production", name)
	case v == devDefault:
		e.problem("%s must not be the development default when APP_ENV=production (set a real secret)", name)
	}
	return v
}

// Required returns the variable and records an error when it is empty.
func (e *Env) Required(name string) string {
	v := e.lookup(name)
	if v == "" {
		e.problem("%s is required", name)
	}
	return v
}

// Problems returns the recorded problems, one message per entry, in the order they were found.
func (e *Env) Problems() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.problems)
}

// Err returns nil when no problem was recorded, otherwise one error listing every problem,
// one per line, each starting with "configuration: ".
func (e *Env) Err() error {
	p := e.Problems()
	if len(p) == 0 {
		return nil
	}
	return errors.New(strings.Join(p, "\n"))
}

// Invalid records a problem found by the caller's own checks (a value of the right
// type that is still wrong), so that Err reports it with the others.
func (e *Env) Invalid(format string, args ...any) { e.problem(format, args...) }

// Package scalars maps the schema's custom scalars to Go types for gqlgen.
package scalars

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalDateTime writes t as RFC 3339 in UTC, with as many fractional digits as it has,
// e.g. "2026-11-29T06:30:00Z" or "2026-11-29T06:30:00.123Z".
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalDateTime reads an RFC 3339 string with any offset and returns it in UTC.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("DateTime must be an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("DateTime %q is not RFC 3339, e.g. 2026-11-29T06:30:00Z", s)
	}
	return t.UTC(), nil
}

// MarshalDate writes a calendar date "YYYY-MM-DD".
func MarshalDate(d string) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(d))
	})
}

// UnmarshalDate reads a calendar date "YYYY-MM-DD" (a real date: 2026-02-30 is refused).
func UnmarshalDate(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("Date must be a string like 2026-12-31, got %T", v)
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil || len(s) != 10 {
		return "", fmt.Errorf("Date %q is not a calendar date like 2026-12-31", s)
	}
	return s, nil
}

// Package scalars maps the ai schema's custom scalars to Go types for gqlgen.
package scalars

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
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

// MarshalUSD writes a dollar amount as a string with six decimals, e.g. "0.000150".
func MarshalUSD(m ai.Micros) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(m.String()))
	})
}

// UnmarshalUSD reads a non-negative dollar amount written as a decimal string with at
// most six decimals ("0.15", "3", "0.000001"); anything else is INVALID.
func UnmarshalUSD(v any) (ai.Micros, error) {
	s, ok := v.(string)
	if !ok {
		return 0, errs.E(errs.Invalid, "USD must be a string like \"0.15\" (at most six decimals), got %T", v)
	}
	return ai.ParseMicros(s)
}

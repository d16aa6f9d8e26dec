// Package scalars maps the schema's custom scalars to Go types for gqlgen.
package scalars

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

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

package gqlserver

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// The DateTime scalar every subgraph shares: map it in gqlgen.yml with
//
//	DateTime:
//	  model:
//	    - fedstack/platform/gqlserver.DateTime

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

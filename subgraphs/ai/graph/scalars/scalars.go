// Package scalars maps the ai schema's custom scalars to Go types for gqlgen.
package scalars

import (
	"io"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
)

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

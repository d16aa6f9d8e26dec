package engine

import (
	"strings"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Kind says at which step a request failed; the HTTP layer maps it to a status code.
type Kind string

const (
	KindParse      Kind = "parse"      // the document is not GraphQL
	KindValidation Kind = "validation" // the document does not fit the schema
	KindVariables  Kind = "variables"  // the variables do not fit the operation
	KindPlan       Kind = "plan"       // the operation cannot be planned
	KindMethod     Kind = "method"     // the operation type is not allowed on this transport
)

// Location is a line and column in the request document, both from 1.
type Location struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// GraphQLError is one entry of a response's errors list.
type GraphQLError struct {
	Message    string         `json:"message"`
	Locations  []Location     `json:"locations,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// RequestError is a request the engine refused before executing anything: the response
// has no data entry.
type RequestError struct {
	Kind   Kind
	Errors []GraphQLError
}

func (e *RequestError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, ge := range e.Errors {
		msgs[i] = ge.Message
	}
	return string(e.Kind) + ": " + strings.Join(msgs, "; ")
}

// parseErrorLocation places an "unexpected EOF" error at the end of the document, where
// the parser reports no position.
func parseErrorLocation(message, query string) (Location, bool) {
	if !strings.Contains(message, "got: EOF") {
		return Location{}, false
	}
	line, col := 1, 1
	for _, r := range query {
		if r == '\n' {
			line++
			col = 1
			continue
		}
		col++
	}
	return Location{Line: line, Column: col}, true
}

// gqlparserError converts gqlparser's parse or validation errors.
func gqlparserError(errs gqlerror.List) *RequestError {
	re := &RequestError{Kind: KindValidation}
	for _, e := range errs {
		code := "GRAPHQL_VALIDATION_FAILED"
		if e.Rule == "" {
			code = "GRAPHQL_PARSE_FAILED"
			re.Kind = KindParse
		}
		ge := GraphQLError{Message: e.Message, Extensions: map[string]any{"code": code}}
		for _, l := range e.Locations {
			ge.Locations = append(ge.Locations, Location{Line: l.Line, Column: l.Column})
		}
		re.Errors = append(re.Errors, ge)
	}
	return re
}

// Package httpjson reads and writes the JSON bodies of the REST routes, with the errors
// (platform/errs codes) a client can act on: what is wrong and where.
package httpjson

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"fedstack/platform/errs"
)

// MaxBody bounds request bodies read by Decode.
const MaxBody = 64 << 10

// Decode reads one JSON object from the body into v, refusing unknown fields, trailing
// data and bodies over MaxBody; errors are INVALID with a message naming the problem.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var (
			tooBig *http.MaxBytesError
			syntax *json.SyntaxError
			typ    *json.UnmarshalTypeError
		)
		switch {
		case errors.As(err, &tooBig):
			return errs.E(errs.Invalid, "the body is larger than %d bytes", MaxBody)
		case errors.Is(err, io.EOF):
			return errs.E(errs.Invalid, "the body is empty: send a JSON object")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return errs.E(errs.Invalid, "the body is not valid JSON: it ends too early")
		case errors.As(err, &syntax):
			return errs.E(errs.Invalid, "the body is not valid JSON (at byte %d)", syntax.Offset)
		case errors.As(err, &typ):
			e := errs.E(errs.Invalid, "%s must be a %s", typ.Field, typ.Type.Kind())
			e.Field = typ.Field
			return e
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			e := errs.E(errs.Invalid, "unknown field %q", name)
			e.Field = name
			return e
		default:
			return errs.E(errs.Invalid, "the body is not a valid JSON object")
		}
	}
	if dec.More() {
		return errs.E(errs.Invalid, "the body must hold exactly one JSON object")
	}
	return nil
}

// IsJSON reports whether the request's Content-Type is application/json.
func IsJSON(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/json"
}

// RefuseNonJSON answers 415 and returns true when a request that carries a body is not
// JSON: an HTML form cannot send JSON, which also keeps such routes safe from CSRF.
func RefuseNonJSON(w http.ResponseWriter, r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodDelete, http.MethodOptions:
		return false
	}
	if IsJSON(r) {
		return false
	}
	w.Header().Set("Accept", "application/json")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnsupportedMediaType)
	_, _ = io.WriteString(w, `{"error":{"code":"INVALID","message":"send the body as JSON with Content-Type: application/json"}}`+"\n")
	return true
}

// Write answers status with v as JSON.
func Write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

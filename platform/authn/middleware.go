package authn

import (
	"encoding/json"
	"net/http"
	"strings"

	"fedstack/platform/errs"
	"fedstack/platform/logging"
)

// BearerToken extracts the token of an "Authorization: Bearer <token>" value (scheme in any
// case). ok is false when the value is not of that form.
func BearerToken(authorization string) (token string, ok bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(authorization), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// Middleware authenticates requests: without an Authorization header the request goes on
// anonymous; with a valid "Bearer <jwt>" the claims are put in the context; an invalid token
// or a malformed header is answered 401 with Content-Type application/json,
// WWW-Authenticate: Bearer error="invalid_token" and the body
// {"errors":[{"message":"<reason>","extensions":{"code":"UNAUTHENTICATED"}}]}.
// If the key source itself fails (the JWKS cannot be fetched), the token may well be fine:
// the answer is 503 with code INTERNAL, never a 401 that would sign the client out.
func Middleware(v *Verifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := r.Header.Get("Authorization")
			if h == "" {
				next.ServeHTTP(w, r)
				return
			}
			token, ok := BearerToken(h)
			if !ok {
				writeUnauthenticated(w, r, errs.E(errs.Unauthenticated, `malformed Authorization header: expected "Bearer <token>"`))
				return
			}
			claims, err := v.Verify(r.Context(), token)
			if err != nil {
				writeUnauthenticated(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithClaims(r.Context(), claims)))
		})
	}
}

type gqlErrorBody struct {
	Errors []gqlError `json:"errors"`
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

func writeUnauthenticated(w http.ResponseWriter, r *http.Request, err error) {
	code := errs.CodeOf(err)
	status := http.StatusUnauthorized
	msg := err.Error()
	if e, ok := err.(*errs.Error); ok {
		msg = e.Message
	}
	if code != errs.Unauthenticated {
		status = http.StatusServiceUnavailable
		code = errs.Internal
		logging.FromContext(r.Context()).ErrorContext(r.Context(), "verifying access token", "error", err)
		msg = "access tokens cannot be checked right now: try again (request id " + logging.RequestID(r.Context()) + ")"
	} else {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(gqlErrorBody{Errors: []gqlError{{
		Message:    msg,
		Extensions: map[string]any{"code": string(code)},
	}}})
}

// VerifyRequest verifies the access token a REST route requires: UNAUTHENTICATED without
// an Authorization header or with a malformed one, else what Verify says.
func (v *Verifier) VerifyRequest(r *http.Request) (*Claims, error) {
	raw := r.Header.Get("Authorization")
	if raw == "" {
		return nil, errs.E(errs.Unauthenticated, "sign in first: send Authorization: Bearer <access token>")
	}
	token, ok := BearerToken(raw)
	if !ok {
		return nil, errs.E(errs.Unauthenticated, `malformed Authorization header: expected "Bearer <token>"`)
	}
	return v.Verify(r.Context(), token)
}

package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
)

// authenticate verifies a bearer token (anonymous requests pass; the verifier refuses the
// tokens of ended sessions) and answers 401 with a message saying what is wrong.
func authenticate(v *authn.Verifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			header := r.Header.Get("Authorization")
			if header == "" {
				next.ServeHTTP(w, r)
				return
			}
			token, ok := strings.CutPrefix(header, "Bearer ")
			if !ok || token == "" {
				unauthorized(w, http.StatusUnauthorized, "UNAUTHENTICATED", `the Authorization header must be "Bearer <access token>"`)
				return
			}
			claims, err := v.Verify(r.Context(), token)
			if err != nil {
				if errs.CodeOf(err) == errs.Internal {
					unauthorized(w, http.StatusServiceUnavailable, "INTERNAL", "access tokens cannot be checked right now: try again")
					return
				}
				var e *errs.Error
				msg := "invalid access token"
				if errors.As(err, &e) {
					msg = e.Message
				}
				unauthorized(w, http.StatusUnauthorized, "UNAUTHENTICATED", msg)
				return
			}
			next.ServeHTTP(w, r.WithContext(authn.WithClaims(r.Context(), claims)))
		})
	}
}

func unauthorized(w http.ResponseWriter, status int, code, message string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
		"message":    message,
		"extensions": map[string]any{"code": code},
	}}})
}

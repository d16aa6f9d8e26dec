// Package servicetrust signs router-to-subgraph requests with a shared secret and refuses
// subgraph requests without a fresh valid signature.
package servicetrust

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header carries the signature "<unix seconds>.<hex HMAC-SHA256(secret, unix seconds)>".
const Header = "X-Internal-Signature"

// Accepted clock window for a signature.
const (
	MaxAge  = 5 * time.Minute
	MaxSkew = time.Minute
)

// Signature returns the signature for now: "<unix>.<hex hmac-sha256(secret, unix)>".
func Signature(secret string, now time.Time) string {
	ts := strconv.FormatInt(now.Unix(), 10)
	return ts + "." + mac(secret, ts)
}

// Sign sets Header on h with a signature for the current time.
func Sign(h http.Header, secret string) {
	h.Set(Header, Signature(secret, time.Now()))
}

func mac(secret, ts string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature value at time now: it must be well formed, signed with secret,
// at most 5 minutes old and at most 1 minute in the future.
func Verify(value, secret string, now time.Time) error {
	if value == "" {
		return errors.New("missing signature")
	}
	ts, sig, ok := strings.Cut(value, ".")
	if !ok {
		return errors.New("malformed signature")
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("malformed signature timestamp")
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, ts))) {
		return errors.New("wrong signature")
	}
	at := time.Unix(unix, 0)
	if now.Sub(at) > MaxAge {
		return errors.New("signature expired")
	}
	if at.Sub(now) > MaxSkew {
		return errors.New("signature from the future")
	}
	return nil
}

const forbiddenBody = `{"errors":[{"message":"this endpoint answers the router only: missing or invalid X-Internal-Signature","extensions":{"code":"FORBIDDEN"}}]}` + "\n"

// Middleware refuses, with 403 and a GraphQL-shaped FORBIDDEN error, every request whose
// Header is missing, wrong, older than 5 minutes or more than 1 minute in the future.
// It panics when secret is empty: that is a wiring mistake, not a runtime condition.
func Middleware(secret string) func(http.Handler) http.Handler {
	if secret == "" {
		panic("servicetrust: empty secret (set INTERNAL_SECRET)")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := Verify(r.Header.Get(Header), secret, time.Now()); err != nil {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(forbiddenBody))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

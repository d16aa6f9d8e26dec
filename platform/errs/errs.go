// Package errs defines the coded errors shared by every service. A code decides the REST
// status and the GraphQL extensions.code; the message is what the client reads, except for
// INTERNAL errors, whose detail only reaches the log.
package errs

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"fedstack/platform/logging"
)

// Code classifies an error for clients.
type Code string

// The codes every service uses.
const (
	Invalid         Code = "INVALID"
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	Conflict        Code = "CONFLICT"
	RateLimited     Code = "RATE_LIMITED"
	Internal        Code = "INTERNAL"
)

// Error is an error with a code and a message meant for the client.
type Error struct {
	Code       Code
	Message    string        // shown to the client (except for INTERNAL)
	Field      string        // the input field at fault, when there is one
	RetryAfter time.Duration // for RATE_LIMITED: when to try again
	// Extensions are more facts for the client (e.g. "current": the stored version of
	// what a CONFLICT was about): GraphQL extensions, and "details" of a REST error.
	Extensions map[string]any
	Err        error // internal cause: logged, never shown
}

// Error returns the message, followed by the cause when there is one.
func (e *Error) Error() string {
	if e.Err != nil {
		cause := e.Err.Error()
		if e.Message == "" {
			return cause
		}
		if strings.Contains(e.Message, cause) { // E with %w already shows the cause
			return e.Message
		}
		return e.Message + ": " + cause
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// E returns an error with code and a formatted message. A %w verb in format keeps that error
// as the cause.
func E(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// Wrap returns an INTERNAL error with a formatted message, keeping err as the cause.
func Wrap(err error, format string, args ...any) *Error {
	return &Error{Code: Internal, Message: fmt.Sprintf(format, args...), Err: err}
}

// CodeOf returns the code of the first *Error in err's chain, Internal for any other error,
// and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return Internal
}

// HTTPStatus returns the HTTP status of a code: 400, 401, 403, 404, 409, 429, or 500 for
// INTERNAL and anything unknown.
func HTTPStatus(code Code) int {
	switch code {
	case Invalid:
		return http.StatusBadRequest
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case RateLimited:
		return http.StatusTooManyRequests
	default:
		return http.StatusInternalServerError
	}
}

// RetryAfterSeconds rounds d up to whole seconds, at least 1.
func RetryAfterSeconds(d time.Duration) int {
	s := int(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return s
}

type restBody struct {
	Error restError `json:"error"`
}

type restError struct {
	Code    Code           `json:"code"`
	Message string         `json:"message"`
	Field   string         `json:"field,omitempty"`
	Details map[string]any `json:"details,omitempty"`
}

// WriteJSON writes err as a REST error: status from its code and the body
// {"error":{"code":"...","message":"..."}} ("field" added when set). An INTERNAL error
// (including any error that is not an *Error) is logged with its cause through the request's
// logger (logging.FromContext) and shown as "internal error (request id X)". RATE_LIMITED
// sets Retry-After.
func WriteJSON(w http.ResponseWriter, r *http.Request, err error) {
	body := restBody{Error: restError{Code: CodeOf(err)}}
	if body.Error.Code == "" {
		body.Error.Code = Internal
	}
	var e *Error
	errors.As(err, &e)
	if body.Error.Code == Internal {
		id := logging.RequestID(r.Context())
		logging.FromContext(r.Context()).LogAttrs(r.Context(), slog.LevelError, "internal error",
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		body.Error.Message = "internal error (request id " + id + ")"
	} else {
		body.Error.Message = e.Message
		body.Error.Field = e.Field
		body.Error.Details = e.Extensions
		if e.Code == RateLimited {
			w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds(e.RetryAfter)))
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(HTTPStatus(body.Error.Code))
	_ = json.NewEncoder(w).Encode(body)
}

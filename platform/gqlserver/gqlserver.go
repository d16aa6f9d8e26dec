// Package gqlserver builds the gqlgen handler every subgraph mounts at /graphql: transports,
// query cache, introspection, error presentation with errs codes, panic recovery, and
// websocket authentication from the connection_init payload.
package gqlserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
	"fedstack/platform/logging"
)

// Websocket timings.
const (
	KeepAlivePingInterval = 15 * time.Second
	InitTimeout           = 5 * time.Second
	QueryCacheSize        = 1000
)

// Options configure New.
type Options struct {
	// Logger receives internal errors and panics (with the request id); default slog.Default().
	Logger *slog.Logger
	// Verifier verifies the token of a websocket connection_init payload
	// {"authorization":"Bearer …"}. When nil, payload tokens are ignored.
	Verifier *authn.Verifier
	// Production turns off field suggestions in validation errors. Introspection stays on:
	// the router needs _service, and subgraphs are reachable by the router only.
	Production bool
	// OriginPatterns are extra host patterns allowed to open websockets cross-origin (see
	// github.com/coder/websocket AcceptOptions.OriginPatterns). Same-origin and Origin-less
	// upgrades (the router) are always accepted.
	OriginPatterns []string
	// InitTimeout is how long a websocket may wait before sending connection_init; it is
	// closed with 4408 after that. Default 5 s.
	InitTimeout time.Duration
}

// New returns the gqlgen handler for es with the websocket (graphql-transport-ws and the
// legacy graphql-ws), OPTIONS, GET and POST transports, an LRU query cache of 1000,
// introspection, the errs-aware error presenter and a logging panic handler.
func New(es graphql.ExecutableSchema, opts Options) *handler.Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.InitTimeout <= 0 {
		opts.InitTimeout = InitTimeout
	}
	srv := handler.New(es)
	srv.AddTransport(transport.Websocket{
		Implementation:        implementation{accept: opts.OriginPatterns},
		InitFunc:              initFunc(opts.Verifier, opts.Logger),
		InitTimeout:           opts.InitTimeout,
		KeepAlivePingInterval: KeepAlivePingInterval,
		PingPongInterval:      KeepAlivePingInterval,
		MissingPongOk:         true,
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](QueryCacheSize))
	srv.Use(extension.Introspection{})
	if opts.Production {
		srv.SetDisableSuggestion(true)
	}
	srv.SetErrorPresenter(ErrorPresenter(opts.Logger))
	srv.SetRecoverFunc(RecoverFunc(opts.Logger))
	return srv
}

// errPanicLogged marks the error RecoverFunc returns: the presenter must not log it again.
var errPanicLogged = errors.New("panic (already logged)")

// ErrorPresenter presents resolver errors:
//   - an *errs.Error (other than INTERNAL) anywhere in the chain: its message, with its
//     Extensions, extensions.code, extensions.field when set, and extensions.retryAfter
//     (seconds) for RATE_LIMITED;
//   - gqlgen's and gqlparser's own errors (parse, validation, variable coercion, null
//     violations): unchanged, with their codes such as GRAPHQL_VALIDATION_FAILED or
//     GRAPHQL_PARSE_FAILED;
//   - anything else: message "internal error", extensions.code INTERNAL and
//     extensions.requestId; the real error is logged with the request id.
func ErrorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		if err == nil {
			return nil
		}
		var gqlErr *gqlerror.Error
		errors.As(err, &gqlErr)
		path, locations := graphql.GetPath(ctx), []gqlerror.Location(nil)
		if gqlErr != nil {
			if gqlErr.Path != nil {
				path = gqlErr.Path
			}
			locations = gqlErr.Locations
		}

		var e *errs.Error
		if errors.As(err, &e) && e.Code != errs.Internal && e.Code != "" {
			ext := map[string]any{}
			for k, v := range e.Extensions {
				ext[k] = v
			}
			ext["code"] = string(e.Code)
			if e.Field != "" {
				ext["field"] = e.Field
			}
			if e.Code == errs.RateLimited {
				ext["retryAfter"] = errs.RetryAfterSeconds(e.RetryAfter)
			}
			return &gqlerror.Error{Message: e.Message, Path: path, Locations: locations, Extensions: ext}
		}
		if e == nil && gqlErr != nil && gqlErr.Err == nil {
			// Raised by gqlgen or gqlparser themselves: meant for the client as they are.
			return gqlErr
		}

		id := logging.RequestID(ctx)
		if !errors.Is(err, errPanicLogged) {
			logger.LogAttrs(ctx, slog.LevelError, "graphql internal error",
				slog.String("path", path.String()), slog.Any("error", err))
		}
		return &gqlerror.Error{
			Message:    "internal error",
			Path:       path,
			Locations:  locations,
			Extensions: map[string]any{"code": string(errs.Internal), "requestId": id},
		}
	}
}

// RecoverFunc logs a resolver panic with its stack and the request id and returns an INTERNAL
// error (presented as "internal error" with the request id).
func RecoverFunc(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.LogAttrs(ctx, slog.LevelError, "graphql panic",
			slog.String("panic", fmt.Sprint(p)),
			slog.String("path", graphql.GetPath(ctx).String()),
			slog.String("stack", string(debug.Stack())))
		return &errs.Error{Code: errs.Internal, Message: "internal error", Err: errPanicLogged}
	}
}

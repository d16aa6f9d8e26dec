// Package telemetry sets up OpenTelemetry tracing for one service: its own tracer provider,
// W3C trace-context propagation, and otelhttp server and client instrumentation.
package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"fedstack/platform/config"
)

// Telemetry owns one service's tracer provider.
type Telemetry struct {
	service    string
	provider   *sdktrace.TracerProvider
	propagator propagation.TextMapPropagator
}

// Setup creates a tracer provider for service (resource service.name=service; parent-based
// always-on sampling when exporting, no recording otherwise) and sets the global propagator to W3C tracecontext+baggage. When
// OTEL_EXPORTER_OTLP_ENDPOINT (a base URL such as http://127.0.0.1:4318; /v1/traces is appended)
// or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full URL) is set, spans are exported over
// OTLP/HTTP through a batch span processor; otherwise nothing is exported, but spans still
// get real ids so logs carry trace_id and span_id.
//
// Each call returns its own provider, so several services can run in one process. The
// provider is also installed as the global one (the last Setup wins) for libraries that only
// use the global provider.
func Setup(ctx context.Context, service string, env *config.Env) (*Telemetry, error) {
	if env == nil {
		env = config.New(nil)
	}
	res := resource.NewSchemaless(
		attribute.String("service.name", service),
		attribute.String("deployment.environment.name", env.Environment()),
	)
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}

	endpoint := env.String("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	if endpoint == "" {
		if base := env.String("OTEL_EXPORTER_OTLP_ENDPOINT", ""); base != "" {
			endpoint = strings.TrimRight(base, "/") + "/v1/traces"
		}
	}
	if endpoint != "" {
		if !strings.HasPrefix(endpoint, "http://") && !strings.HasPrefix(endpoint, "https://") {
			return nil, fmt.Errorf("telemetry: OTLP endpoint %q must be an http:// or https:// URL (for example http://127.0.0.1:4318)", endpoint)
		}
		exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
		if err != nil {
			return nil, fmt.Errorf("telemetry: OTLP/HTTP exporter for %s: %w", endpoint, err)
		}
		opts = append(opts, sdktrace.WithBatcher(exp), sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())))
	} else {
		// Nothing is exported: spans need not record anything. They still carry real
		// trace and span ids (and continue an incoming trace), so logs keep trace_id.
		opts = append(opts, sdktrace.WithSampler(sdktrace.NeverSample()))
	}

	prop := propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	otel.SetTextMapPropagator(prop)
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	return &Telemetry{service: service, provider: tp, propagator: prop}, nil
}

// TracerProvider returns the service's own provider.
func (t *Telemetry) TracerProvider() trace.TracerProvider { return t.provider }

// Tracer returns a tracer of the service's provider.
func (t *Telemetry) Tracer(name string) trace.Tracer { return t.provider.Tracer(name) }

// Middleware returns otelhttp server instrumentation using t's provider: it extracts an
// incoming traceparent and starts a server span named operation.
func (t *Telemetry) Middleware(operation string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return otelhttp.NewHandler(next, operation,
			otelhttp.WithTracerProvider(t.provider),
			otelhttp.WithPropagators(t.propagator),
		)
	}
}

// Transport returns otelhttp client instrumentation around base (http.DefaultTransport when
// nil) using t's provider: a client span per request and an injected traceparent.
func (t *Telemetry) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return otelhttp.NewTransport(base,
		otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithPropagators(t.propagator),
	)
}

// Shutdown flushes pending spans and stops the provider.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if err := t.provider.Shutdown(ctx); err != nil {
		return fmt.Errorf("telemetry: flushing spans of %s: %w", t.service, err)
	}
	return nil
}

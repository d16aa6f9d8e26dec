// Package metrics provides the Prometheus registry, the /metrics handler and the HTTP request
// metrics middleware of a service.
package metrics

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/felixge/httpsnoop"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Handler serves reg in the Prometheus exposition format.
func Handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}

// Middleware counts requests in http_requests_total{service,method,code} and observes their
// duration in http_request_duration_seconds{service,method}. It can be used several times on
// one registry (the collectors are shared).
func Middleware(reg *prometheus.Registry, service string) func(http.Handler) http.Handler {
	requests := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total",
		Help: "HTTP requests handled, by service, method and status code.",
	}, []string{"service", "method", "code"}))
	durations := register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "http_request_duration_seconds",
		Help:    "Time to handle HTTP requests, by service and method.",
		Buckets: prometheus.DefBuckets,
	}, []string{"service", "method"}))

	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m := httpsnoop.CaptureMetrics(next, w, r)
			method := normalizeMethod(r.Method)
			requests.WithLabelValues(service, method, strconv.Itoa(m.Code)).Inc()
			durations.WithLabelValues(service, method).Observe(m.Duration.Seconds())
		})
	}
}

// register registers c, or returns the collector already registered under the same name.
func register[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var already prometheus.AlreadyRegisteredError
		if errors.As(err, &already) {
			if existing, ok := already.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("metrics: " + err.Error())
	}
	return c
}

// normalizeMethod bounds the method label to the standard methods.
func normalizeMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	default:
		return "OTHER"
	}
}

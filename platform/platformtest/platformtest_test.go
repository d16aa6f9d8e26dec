package platformtest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"fedstack/platform/config"
	"fedstack/platform/health"
	"fedstack/platform/httpserver"
	"fedstack/platform/logging"
	"fedstack/platform/platformtest"
)

// run is a tiny service in the shape every service has.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	env := config.New(getenv)
	port := env.Int("PORT", 4999)
	logger := logging.New(stdout, "tiny", env.String("LOG_LEVEL", "info"))
	greeting := env.String("GREETING", "hello")
	if err := env.Err(); err != nil {
		return err
	}
	started := time.Now()
	checks := health.New()
	checks.Add("warm", func(context.Context) error {
		if time.Since(started) < 150*time.Millisecond {
			return errors.New("warming up")
		}
		return nil
	})
	mux := http.NewServeMux()
	mux.Handle("/ready", checks.ReadyHandler())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s", greeting, getenv("APP_ENV"), getenv("LOG_LEVEL"))
	})
	logger.Info("starting") // hidden at LOG_LEVEL=warn
	return httpserver.Serve(ctx, fmt.Sprintf(":%d", port), mux, logger)
}

func TestStart(t *testing.T) {
	svc := platformtest.Start(t, run, map[string]string{"GREETING": "hi"})
	if !strings.HasPrefix(svc.URL, "http://127.0.0.1:") || svc.URL != "http://"+svc.Addr || svc.Port == 0 {
		t.Fatalf("service %+v", svc)
	}
	resp, err := http.Get(svc.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hi test warn" {
		t.Errorf("body %q: environment not hermetic or defaults missing", body)
	}
	if strings.Contains(svc.Output(), `"msg":"starting"`) {
		t.Error("LOG_LEVEL=warn not applied")
	}

	svc.Stop()
	if _, err := http.Get(svc.URL + "/"); err == nil {
		t.Error("still serving after Stop")
	}
	svc.Stop() // idempotent
}

// fakeTB records failures instead of failing the real test.
type fakeTB struct {
	testing.TB
	mu       sync.Mutex
	msgs     []string
	failed   atomic.Bool
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
	f.mu.Unlock()
	f.failed.Store(true)
}
func (f *fakeTB) Logf(string, ...any) {}
func (f *fakeTB) Failed() bool        { return f.failed.Load() }
func (f *fakeTB) Cleanup(fn func())   { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) messages() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.msgs, "\n")
}
func (f *fakeTB) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func TestStartFailsWhenRunReturnsEarly(t *testing.T) {
	f := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		platformtest.Start(f, func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
			fmt.Fprintln(stdout, `{"msg":"about to fail"}`)
			return errors.New("configuration: INTERNAL_SECRET is required")
		}, nil)
	}()
	<-done
	f.runCleanups()
	msg := f.messages()
	if !f.Failed() || !strings.Contains(msg, "INTERNAL_SECRET is required") || !strings.Contains(msg, "about to fail") {
		t.Errorf("failure message lacks the error or the output:\n%s", msg)
	}
}

func TestPostgresURL(t *testing.T) {
	var dbURL string
	t.Run("inner", func(t *testing.T) {
		dbURL = platformtest.PostgresURL(t)
		conn, err := pgx.Connect(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		conn.Close(context.Background())
	})
	u, _ := url.Parse(dbURL)
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.HasPrefix(name, "test_") {
		t.Fatalf("database %q", name)
	}
	u.Path = "/postgres"
	conn, err := pgx.Connect(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var exists bool
	if err := conn.QueryRow(context.Background(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s not dropped at cleanup", name)
	}
}

func TestRedisURLAndFreePort(t *testing.T) {
	if u := platformtest.RedisURL(t); !strings.HasPrefix(u, "redis://") {
		t.Errorf("RedisURL = %q", u)
	}
	if p := platformtest.FreePort(t); p <= 0 || p > 65535 {
		t.Errorf("FreePort = %d", p)
	}
}

// Package platformtest starts services in-process for tests and provides fresh PostgreSQL
// databases and Redis URLs on the machine's real servers.
package platformtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// StartTimeout bounds how long Start waits for "listening" and then for /ready.
const StartTimeout = 60 * time.Second

// StopTimeout bounds how long Stop waits for Run to return.
const StopTimeout = 30 * time.Second

// RunFunc is a service's run function (see docs/development.md): it serves until ctx is done.
type RunFunc func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error

// Service is a service started by Start.
type Service struct {
	URL  string // http://127.0.0.1:PORT
	Addr string // 127.0.0.1:PORT
	Port int

	t      testing.TB
	cancel context.CancelFunc
	done   chan struct{}
	err    error // Run's result, valid after done is closed
	out    *output
	once   sync.Once
}

// Output returns everything the service wrote to stdout so far.
func (s *Service) Output() string { return s.out.String() }

// Stop cancels the run context and waits for Run to return; it fails the test if Run
// returned an error or did not return within 30 s. It is safe to call more than once.
func (s *Service) Stop() {
	s.once.Do(func() {
		s.t.Helper()
		s.cancel()
		select {
		case <-s.done:
			if s.err != nil && !errors.Is(s.err, context.Canceled) {
				s.t.Errorf("platformtest: service at %s returned an error on stop: %v\n--- service output ---\n%s", s.Addr, s.err, s.out.String())
			}
		case <-time.After(StopTimeout):
			s.t.Errorf("platformtest: service at %s did not return within %s of its context being cancelled (does Run watch ctx?)\n--- service output ---\n%s", s.Addr, StopTimeout, s.out.String())
		}
	})
}

// Start runs run in a goroutine with a hermetic environment: getenv reads only env, plus
// APP_ENV=test, PORT=0 and LOG_LEVEL=warn unless env sets them. It captures stdout (written
// to the test log if the test fails), waits for the "listening" JSON record, then polls
// GET /ready until it answers 200 (60 s limit in all). If Run returns early, the test fails
// with its error and output. Stop is registered with t.Cleanup.
func Start(t testing.TB, run RunFunc, env map[string]string) *Service {
	t.Helper()
	vars := map[string]string{"APP_ENV": "test", "PORT": "0", "LOG_LEVEL": "warn"}
	for k, v := range env {
		vars[k] = v
	}
	getenv := func(name string) string { return vars[name] }

	out := newOutput()
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{t: t, cancel: cancel, done: make(chan struct{}), out: out}
	go func() {
		defer close(s.done)
		defer func() {
			if p := recover(); p != nil {
				s.err = fmt.Errorf("run panicked: %v", p)
			}
		}()
		s.err = run(ctx, []string{"platformtest"}, getenv, out)
	}()
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("--- service output (%s) ---\n%s", s.Addr, out.String())
		}
	})

	deadline := time.NewTimer(StartTimeout)
	defer deadline.Stop()
	select {
	case addr := <-out.listening:
		s.Addr = addr
	case <-s.done:
		cancel()
		t.Fatalf("platformtest: Run returned before listening: %v\n--- service output ---\n%s", s.err, out.String())
	case <-deadline.C:
		t.Fatalf("platformtest: no \"listening\" log record within %s (does Run call httpserver.Serve with a logger writing to stdout?)\n--- service output ---\n%s", StartTimeout, out.String())
	}
	_, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		t.Fatalf("platformtest: listening record has addr %q: %v", s.Addr, err)
	}
	fmt.Sscan(port, &s.Port)
	s.URL = "http://" + s.Addr

	client := &http.Client{Timeout: 5 * time.Second}
	var last string
	for {
		resp, err := client.Get(s.URL + "/ready")
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
			last = fmt.Sprintf("status %s: %s", resp.Status, bytes.TrimSpace(body))
		} else {
			last = err.Error()
		}
		select {
		case <-s.done:
			t.Fatalf("platformtest: Run returned before /ready answered 200: %v\n--- service output ---\n%s", s.err, out.String())
		case <-deadline.C:
			t.Fatalf("platformtest: %s/ready did not answer 200 within %s; last answer: %s\n--- service output ---\n%s", s.URL, StartTimeout, last, out.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// output collects a service's stdout and spots the "listening" record.
type output struct {
	mu        sync.Mutex
	buf       bytes.Buffer
	partial   []byte
	found     bool
	listening chan string
}

func newOutput() *output { return &output{listening: make(chan string, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if o.found {
		return len(p), nil
	}
	o.partial = append(o.partial, p...)
	consumed := 0
	for {
		i := bytes.IndexByte(o.partial[consumed:], '\n')
		if i < 0 {
			break
		}
		line := o.partial[consumed : consumed+i]
		consumed += i + 1
		var rec struct {
			Msg  string `json:"msg"`
			Addr string `json:"addr"`
		}
		if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" && rec.Addr != "" {
			o.found = true
			o.listening <- rec.Addr
			o.partial = nil
			return len(p), nil
		}
	}
	o.partial = o.partial[consumed:]
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

package httpserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"fedstack/platform/httpserver"
	"fedstack/platform/logging"
)

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitListening returns the addr of the "listening" record once it appears.
func waitListening(t *testing.T, logs *syncBuffer) (addr, url string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, line := range strings.Split(logs.String(), "\n") {
			var rec struct{ Msg, Addr, URL, Level string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "listening" {
				n++
				addr, url = rec.Addr, rec.URL
				if rec.Level != "INFO" {
					t.Errorf("listening record at level %s", rec.Level)
				}
			}
		}
		if n > 1 {
			t.Fatalf("%d listening records", n)
		}
		if n == 1 {
			return addr, url
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no listening record in %q", logs.String())
	return "", ""
}

func TestServeAnnouncesAndShutsDownGracefully(t *testing.T) {
	logs := &syncBuffer{}
	// LOG_LEVEL=warn must not hide the listening record.
	logger := logging.New(logs, "test", "warn")

	started := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		_, _ = io.WriteString(w, "done")
	})
	shutdownSeen := make(chan struct{})
	mux.HandleFunc("/watch", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-httpserver.ShutdownSignal(r.Context())
		close(shutdownSeen)
	})

	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- httpserver.Serve(ctx, ":0", mux, logger) }()

	addr, url := waitListening(t, logs)
	if !strings.HasPrefix(addr, "127.0.0.1:") || url != "http://"+addr {
		t.Fatalf("addr %q url %q", addr, url)
	}

	// A long-lived request that watches the shutdown signal.
	watchResp, err := http.Get(url + "/watch")
	if err != nil {
		t.Fatal(err)
	}
	defer watchResp.Body.Close()

	// An in-flight request survives the shutdown.
	slow := make(chan string, 1)
	go func() {
		resp, err := http.Get(url + "/slow")
		if err != nil {
			slow <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		slow <- string(b)
	}()
	<-started
	cancel()

	select {
	case <-shutdownSeen:
	case <-time.After(5 * time.Second):
		t.Fatal("ShutdownSignal was not closed")
	}
	if got := <-slow; got != "done" {
		t.Errorf("in-flight request got %q", got)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve returned %v after a clean shutdown", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("still accepting after shutdown")
	}
}

func TestServeReportsBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = httpserver.Serve(context.Background(), ln.Addr().String(), http.NotFoundHandler(), nil)
	if err == nil || !strings.Contains(err.Error(), "cannot listen on") {
		t.Errorf("err = %v", err)
	}
}

func TestLocalAddr(t *testing.T) {
	cases := map[string]string{
		"0.0.0.0:80":   "127.0.0.1:80",
		"[::]:81":      "127.0.0.1:81",
		"10.1.2.3:82":  "10.1.2.3:82",
		"[::1]:83":     "[::1]:83",
		"127.0.0.1:84": "127.0.0.1:84",
	}
	for in, want := range cases {
		a, _ := net.ResolveTCPAddr("tcp", in)
		if got := httpserver.LocalAddr(a); got != want {
			t.Errorf("LocalAddr(%s) = %s, want %s", in, got, want)
		}
	}
}

package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server answers the expected body, except every nth request (n > 0), which
// gets a different value.
func server(t *testing.T, n int64, delay time.Duration) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var count atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req struct{ Query string }
		if err := json.Unmarshal(b, &req); err != nil || req.Query != "{ a }" {
			http.Error(w, "bad request body: "+string(b), http.StatusBadRequest)
			return
		}
		c := count.Add(1)
		time.Sleep(delay)
		w.Header().Set("Content-Type", "application/json")
		if n > 0 && c%n == 0 {
			io.WriteString(w, `{"data":{"a":2}}`)
			return
		}
		// Whitespace differs from the expected file: compared after compacting.
		io.WriteString(w, "{\"data\": {\"a\": 1}}\n")
	}))
	t.Cleanup(s.Close)
	return s, &count
}

func files(t *testing.T) (string, string) {
	dir := t.TempDir()
	q := filepath.Join(dir, "q.graphql")
	e := filepath.Join(dir, "e.json")
	os.WriteFile(q, []byte("{ a }"), 0o644)
	os.WriteFile(e, []byte("{\n  \"data\": { \"a\": 1 }\n}\n"), 0o644)
	return q, e
}

func TestClosedAllCorrect(t *testing.T) {
	s, count := server(t, 0, time.Millisecond)
	q, e := files(t)
	res, err := run(config{url: s.URL, queryFile: q, expectedFile: e, mode: "closed", concurrency: 4,
		duration: 300 * time.Millisecond, warmup: 50 * time.Millisecond, timeout: time.Second, lateAfter: 10 * time.Millisecond,
		pid: os.Getpid(), sampleEvery: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors != 0 || res.OK == 0 || res.OK != res.Requests || res.FirstError != "" {
		t.Fatalf("want only correct responses: %+v", res)
	}
	if count.Load() <= res.Requests {
		t.Fatalf("warm-up requests should not be counted: server saw %d, measured %d", count.Load(), res.Requests)
	}
	if res.P50MS < 1 || res.P99MS < res.P50MS || res.MaxMS < res.P99MS || res.RPS <= 0 {
		t.Fatalf("implausible latencies: %+v", res)
	}
	if res.PeakRSSMB <= 0 || res.Procs < 1 || res.CoreBusy <= 0 {
		t.Fatalf("no memory sample of our own process: %+v", res)
	}
}

func TestMismatchIsAnError(t *testing.T) {
	s, _ := server(t, 3, 0)
	q, e := files(t)
	res, err := run(config{url: s.URL, queryFile: q, expectedFile: e, mode: "closed", concurrency: 2,
		duration: 200 * time.Millisecond, timeout: time.Second, lateAfter: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors == 0 || res.OK+res.Errors != res.Requests {
		t.Fatalf("every third response differs: %+v", res)
	}
	if !strings.Contains(res.FirstError, "differs from the expected data at byte 13") {
		t.Fatalf("first_error should locate the difference: %q", res.FirstError)
	}
}

func TestOpenModelRateAndDrops(t *testing.T) {
	s, _ := server(t, 0, 0)
	q, e := files(t)
	res, err := run(config{url: s.URL, queryFile: q, expectedFile: e, mode: "open", rate: 200, concurrency: 10,
		duration: 500 * time.Millisecond, timeout: time.Second, lateAfter: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// About 100 arrivals at 200/s for 0.5 s. On a loaded machine (CI runs other tests at
	// once) a few may find every worker busy and be dropped; most must be served.
	if arrivals := res.Requests + res.Dropped; arrivals < 95 || arrivals > 101 || res.Requests < 60 || res.Errors != 0 {
		t.Fatalf("want about 100 arrivals at 200/s for 0.5 s, most served: %+v", res)
	}

	// A server slower than the arrival rate allows: 2 workers, 50 ms each, so
	// at most 40/s are served and the other arrivals are dropped.
	slow, _ := server(t, 0, 50*time.Millisecond)
	res, err = run(config{url: slow.URL, queryFile: q, expectedFile: e, mode: "open", rate: 200, concurrency: 2,
		duration: 500 * time.Millisecond, timeout: time.Second, lateAfter: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Dropped < 60 || res.Requests > 25 {
		t.Fatalf("want dropped arrivals: %+v", res)
	}
}

func TestReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	lines := []string{
		`{"label":"ours:closed","mode":"closed","concurrency":50,"duration_s":30,"requests":300,"ok":300,"rps":10,"p95_ms":10,"peak_rss_mb":50}`,
		`{"label":"ours:open","mode":"open","concurrency":50,"target_rate":5,"duration_s":30,"requests":150,"ok":150,"rps":5,"p95_ms":2,"peak_rss_mb":50}`,
		`{"label":"ours:single-router","mode":"closed","concurrency":50,"requests":300,"ok":300,"rps":30,"p95_ms":3}`,
		`{"label":"ours:single-direct","mode":"closed","concurrency":50,"requests":300,"ok":300,"rps":100,"p95_ms":1}`,
		`{"label":"peer:closed","mode":"closed","concurrency":50,"duration_s":30,"requests":150,"ok":140,"errors":10,"rps":5,"p95_ms":20,"peak_rss_mb":200,"first_error":"boom"}`,
		`{"label":"peer:open","mode":"open","concurrency":50,"target_rate":5,"duration_s":30,"requests":150,"ok":150,"rps":5,"p95_ms":8,"peak_rss_mb":200}`,
	}
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	es, err := readResults(path)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if n := writeReport(&b, es); n != 10 {
		t.Fatalf("incorrect responses: got %d, want 10", n)
	}
	out := b.String()
	for _, want := range []string{
		"| peer | 5.0 | 0.00 | 20.00 | 0.00 | 10 | 0 | 200 | 0 / 0 | 2.00 | 0.50 | 0.25 |",
		"| peer | 5.0 | 0.00 | 8.00 | 0.00 | 0 | 0 | 200 | 0 / 0 | 1.00 | 0.25 | 0.25 |",
		"router÷direct rps = 0.30, p95 = 3.00",
		"INCORRECT: peer closed: 10 of 150 responses; first: boom",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// Command loadgen is the HTTP load generator of `make bench-router`.
//
// It POSTs one GraphQL operation to a URL, either from a fixed number of
// workers that each send the next request as soon as the previous one answered
// (-mode closed, what k6 calls constant VUs), or at a fixed arrival rate that
// does not slow down when the server does (-mode open, k6's
// constant-arrival-rate). Every response body is compacted and compared byte
// for byte with the compacted -expected-file; a response that differs, or whose
// status is not 200, counts as an error and the first one is reported.
//
// Output: one JSON line on stdout (see result). Exit status 1 when any response
// was an error, 2 when the run itself could not be done. With -report it
// prints the comparison table of `make bench-router` instead (report.go).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type config struct {
	url          string
	queryFile    string
	expectedFile string
	mode         string
	concurrency  int
	rate         float64
	duration     time.Duration
	warmup       time.Duration
	timeout      time.Duration
	lateAfter    time.Duration
	pid          int
	sampleEvery  time.Duration
	label        string
}

// result is the JSON line printed at the end. Latencies cover every completed
// request (correct or not); in the open model they are measured from the
// moment the request was scheduled to start, so time spent waiting for the
// load generator itself is not hidden (no coordinated omission).
type result struct {
	Label       string  `json:"label,omitempty"`
	Mode        string  `json:"mode"`
	URL         string  `json:"url"`
	Concurrency int     `json:"concurrency"`
	TargetRate  float64 `json:"target_rate,omitempty"`
	DurationS   float64 `json:"duration_s"`
	Requests    int64   `json:"requests"`
	OK          int64   `json:"ok"`
	Errors      int64   `json:"errors"`
	Dropped     int64   `json:"dropped"`
	Late        int64   `json:"late"`
	RPS         float64 `json:"rps"`
	MeanMS      float64 `json:"mean_ms"`
	P50MS       float64 `json:"p50_ms"`
	P95MS       float64 `json:"p95_ms"`
	P99MS       float64 `json:"p99_ms"`
	MaxMS       float64 `json:"max_ms"`
	FirstError  string  `json:"first_error"`
	PeakRSSMB   float64 `json:"peak_rss_mb,omitempty"`
	CPUPercent  float64 `json:"cpu_percent,omitempty"`
	CoreBusy    float64 `json:"core_busy_percent,omitempty"`
	Procs       int     `json:"procs,omitempty"`
}

func main() {
	var c config
	flag.StringVar(&c.url, "url", "http://127.0.0.1:4000/graphql", "GraphQL endpoint")
	flag.StringVar(&c.queryFile, "query-file", "", "file holding the GraphQL operation (required)")
	flag.StringVar(&c.expectedFile, "expected-file", "", "file holding the expected response JSON (required)")
	flag.StringVar(&c.mode, "mode", "closed", "closed: -concurrency workers in a loop; open: -rate arrivals per second")
	flag.IntVar(&c.concurrency, "concurrency", 50, "closed: number of workers; open: most requests in flight (an arrival finding them all busy is dropped)")
	flag.Float64Var(&c.rate, "rate", 0, "open model: arrivals per second")
	flag.DurationVar(&c.duration, "duration", 30*time.Second, "measured duration")
	flag.DurationVar(&c.warmup, "warmup", 5*time.Second, "unmeasured load before the measurement (same model)")
	flag.DurationVar(&c.timeout, "timeout", 10*time.Second, "per-request timeout")
	flag.DurationVar(&c.lateAfter, "late-after", 10*time.Millisecond, "open model: a request that starts this much after its scheduled time counts as late")
	flag.IntVar(&c.pid, "pid", 0, "sample the RSS and CPU of this process and its descendants during the measurement")
	flag.DurationVar(&c.sampleEvery, "sample-every", 100*time.Millisecond, "RSS sampling interval for -pid")
	flag.StringVar(&c.label, "label", "", "label copied into the output")
	reportFile := flag.String("report", "", "print the comparison table of a results file (JSON lines labelled <gateway>:<phase>) and exit; exit status 1 when any run had incorrect responses")
	flag.Parse()

	if *reportFile != "" {
		os.Exit(report(*reportFile))
	}

	res, err := run(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	line, _ := json.Marshal(res)
	fmt.Println(string(line))
	if res.Errors > 0 {
		os.Exit(1)
	}
}

func run(c config) (*result, error) {
	if c.queryFile == "" || c.expectedFile == "" {
		return nil, errors.New("-query-file and -expected-file are required")
	}
	if c.concurrency < 1 {
		return nil, errors.New("-concurrency must be at least 1")
	}
	switch c.mode {
	case "closed":
	case "open":
		if c.rate <= 0 {
			return nil, errors.New("-mode open needs -rate > 0")
		}
	default:
		return nil, fmt.Errorf("-mode %q: want closed or open", c.mode)
	}
	query, err := os.ReadFile(c.queryFile)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(map[string]string{"query": string(query)})
	if err != nil {
		return nil, err
	}
	rawExpected, err := os.ReadFile(c.expectedFile)
	if err != nil {
		return nil, err
	}
	var expected bytes.Buffer
	if err := json.Compact(&expected, rawExpected); err != nil {
		return nil, fmt.Errorf("%s: %w", c.expectedFile, err)
	}

	l := &loader{
		cfg:      c,
		body:     body,
		expected: expected.Bytes(),
		client: &http.Client{
			Timeout: c.timeout,
			Transport: &http.Transport{
				Proxy:               nil, // loopback only; never through a proxy from the environment
				DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				MaxIdleConns:        2 * c.concurrency,
				MaxIdleConnsPerHost: 2 * c.concurrency,
				IdleConnTimeout:     90 * time.Second,
				DisableCompression:  true,
				ForceAttemptHTTP2:   false,
			},
		},
	}

	if c.warmup > 0 {
		l.phase(c.warmup, nil)
	}
	stats := newStats()
	var sampler *procSampler
	if c.pid > 0 {
		sampler = startSampler(c.pid, c.sampleEvery)
	}
	elapsed := l.phase(c.duration, stats)
	res := stats.result(c, elapsed)
	if sampler != nil {
		s := sampler.stop()
		res.PeakRSSMB = round2(float64(s.peakRSS) / (1 << 20))
		res.CPUPercent = round2(s.cpuPercent)
		res.CoreBusy = round2(s.coreBusy)
		res.Procs = s.maxProcs
	}
	return res, nil
}

type loader struct {
	cfg      config
	body     []byte
	expected []byte
	client   *http.Client
}

// phase runs the configured model for d and returns the time from its start
// until the last request it started has finished. stats may be nil (warm-up).
func (l *loader) phase(d time.Duration, st *stats) time.Duration {
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	if l.cfg.mode == "closed" {
		for i := 0; i < l.cfg.concurrency; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := l.newWorker(st)
				for time.Now().Before(deadline) {
					t := time.Now()
					w.do(t, t)
				}
				w.flush()
			}()
		}
		wg.Wait()
		return time.Since(start)
	}

	// Open model: arrivals on a fixed schedule, served by a pool of
	// -concurrency workers. An arrival that finds -concurrency requests
	// already in flight is dropped (not sent), like k6's dropped_iterations
	// when it runs out of VUs; it is counted, never silently delayed.
	arrivals := make(chan time.Time, l.cfg.concurrency)
	var inflight atomic.Int64
	for i := 0; i < l.cfg.concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := l.newWorker(st)
			for sched := range arrivals {
				w.do(sched, time.Now())
				inflight.Add(-1)
			}
			w.flush()
		}()
	}
	start = time.Now()
	deadline = start.Add(d)
	interval := time.Duration(float64(time.Second) / l.cfg.rate)
	var dropped int64
	for i := int64(0); ; i++ {
		sched := start.Add(time.Duration(i) * interval)
		if !sched.Before(deadline) {
			break
		}
		if wait := time.Until(sched); wait > 0 {
			time.Sleep(wait)
		}
		if inflight.Load() >= int64(l.cfg.concurrency) {
			dropped++
			continue
		}
		inflight.Add(1)
		arrivals <- sched
	}
	close(arrivals)
	wg.Wait()
	if st != nil {
		st.dropped.Add(dropped)
	}
	// The rate is over the scheduled window (or longer, when the last
	// responses came after it), not over the shorter span the arrivals took.
	return max(d, time.Since(start))
}

type worker struct {
	l         *loader
	st        *stats
	buf       bytes.Buffer
	compacted bytes.Buffer
	lat       []time.Duration
	requests  int64
	ok        int64
	late      int64
}

func (l *loader) newWorker(st *stats) *worker {
	w := &worker{l: l, st: st}
	if st != nil {
		w.lat = make([]time.Duration, 0, 4096)
	}
	return w
}

// do sends one request scheduled at sched and actually started at started.
func (w *worker) do(sched, started time.Time) {
	if started.Sub(sched) > w.l.cfg.lateAfter {
		w.late++
	}
	status, err := w.send()
	end := time.Now()
	w.requests++
	if w.st == nil {
		return
	}
	w.lat = append(w.lat, end.Sub(sched))
	if err == nil {
		err = w.check(status)
	}
	if err != nil {
		w.st.fail(err)
		return
	}
	w.ok++
}

func (w *worker) send() (int, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, w.l.cfg.url, bytes.NewReader(w.l.body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := w.l.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	w.buf.Reset()
	if _, err := w.buf.ReadFrom(resp.Body); err != nil {
		return resp.StatusCode, fmt.Errorf("reading the body: %w", err)
	}
	return resp.StatusCode, nil
}

func (w *worker) check(status int) error {
	got := w.buf.Bytes()
	if status != http.StatusOK {
		return fmt.Errorf("status %d: %s", status, snippet(got, 0, 300))
	}
	// Most gateways answer compact JSON: compare as is first, so checking costs the load
	// generator's core as little as possible; compact only when that differs.
	if bytes.Equal(got, w.l.expected) {
		return nil
	}
	w.compacted.Reset()
	if err := json.Compact(&w.compacted, got); err != nil {
		return fmt.Errorf("response is not JSON (%v): %s", err, snippet(got, 0, 300))
	}
	if !bytes.Equal(w.compacted.Bytes(), w.l.expected) {
		return mismatch(w.compacted.Bytes(), w.l.expected)
	}
	return nil
}

func (w *worker) flush() {
	if w.st == nil {
		return
	}
	w.st.add(w)
}

// mismatch describes the first byte at which got differs from want.
func mismatch(got, want []byte) error {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	return fmt.Errorf("body differs from the expected data at byte %d (got %d bytes, want %d): got …%s… want …%s…",
		i, len(got), len(want), snippet(got, i-60, i+80), snippet(want, i-60, i+80))
}

func snippet(b []byte, from, to int) string {
	from = max(from, 0)
	to = min(to, len(b))
	if from >= to {
		return ""
	}
	return strings.ToValidUTF8(string(b[from:to]), "?")
}

type stats struct {
	mu        sync.Mutex
	lat       []time.Duration
	requests  int64
	ok        int64
	late      int64
	errors    atomic.Int64
	dropped   atomic.Int64
	firstErr  atomic.Pointer[string]
	reportErr sync.Once
}

func newStats() *stats { return &stats{} }

func (s *stats) fail(err error) {
	s.errors.Add(1)
	msg := err.Error()
	if s.firstErr.CompareAndSwap(nil, &msg) {
		s.reportErr.Do(func() { fmt.Fprintln(os.Stderr, "loadgen: first error:", msg) })
	}
}

func (s *stats) add(w *worker) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat = append(s.lat, w.lat...)
	s.requests += w.requests
	s.ok += w.ok
	s.late += w.late
}

func (s *stats) result(c config, elapsed time.Duration) *result {
	sort.Slice(s.lat, func(i, j int) bool { return s.lat[i] < s.lat[j] })
	r := &result{
		Label:       c.label,
		Mode:        c.mode,
		URL:         c.url,
		Concurrency: c.concurrency,
		DurationS:   round2(elapsed.Seconds()),
		Requests:    s.requests,
		OK:          s.ok,
		Errors:      s.errors.Load(),
		Dropped:     s.dropped.Load(),
		Late:        s.late,
		RPS:         round2(float64(s.ok) / elapsed.Seconds()),
		P50MS:       ms(percentile(s.lat, 0.50)),
		P95MS:       ms(percentile(s.lat, 0.95)),
		P99MS:       ms(percentile(s.lat, 0.99)),
	}
	if c.mode == "open" {
		r.TargetRate = c.rate
	}
	if n := len(s.lat); n > 0 {
		var sum time.Duration
		for _, d := range s.lat {
			sum += d
		}
		r.MeanMS = ms(sum / time.Duration(n))
		r.MaxMS = ms(s.lat[n-1])
	}
	if p := s.firstErr.Load(); p != nil {
		r.FirstError = *p
	}
	return r
}

// percentile returns the nearest-rank percentile of sorted samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(float64(n)*p+0.999999999) - 1
	return sorted[min(max(rank, 0), n-1)]
}

func ms(d time.Duration) float64 { return round2(float64(d) / float64(time.Millisecond)) }

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

package main

import (
	"sync"
	"sync/atomic"
	"time"

	"fedstack/bench/internal/report"
)

// stats collects the outcome of every measured request of one phase.
type stats struct {
	mu       sync.Mutex
	lat      []time.Duration
	requests int64
	ok       int64
	errors   int64
	late     int64
	dropped  int64
	firstErr string
}

func newStats() *stats { return &stats{lat: make([]time.Duration, 0, 1<<14)} }

// record adds one completed request: its latency and its error (nil = correct).
func (s *stats) record(lat time.Duration, late bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lat = append(s.lat, lat)
	s.requests++
	if late {
		s.late++
	}
	if err != nil {
		s.errors++
		if s.firstErr == "" {
			s.firstErr = err.Error()
		}
		return
	}
	s.ok++
}

// runOpen sends requests at a fixed arrival rate for d, whatever the latency
// (k6's constant arrival rate). Arrival i is handled by do(i) on one of
// workers goroutines; an arrival that finds all of them busy is dropped and
// counted, never delayed. Latency runs from the moment a request was due, so
// a server or a load generator falling behind shows in the percentiles (no
// coordinated omission); a request that starts more than lateAfter after that
// moment counts as late. st may be nil (warm-up). It returns the measured
// window: d, or longer when the last answers came after it.
func runOpen(rate float64, d time.Duration, workers int, lateAfter time.Duration, do func(i int64) error, st *stats) time.Duration {
	type arrival struct {
		i     int64
		sched time.Time
	}
	arrivals := make(chan arrival, workers)
	var inflight atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range arrivals {
				late := time.Since(a.sched) > lateAfter
				err := do(a.i)
				if st != nil {
					st.record(time.Since(a.sched), late, err)
				}
				inflight.Add(-1)
			}
		}()
	}
	start := time.Now()
	deadline := start.Add(d)
	interval := time.Duration(float64(time.Second) / rate)
	var dropped int64
	for i := int64(0); ; i++ {
		sched := start.Add(time.Duration(i) * interval)
		if !sched.Before(deadline) {
			break
		}
		if wait := time.Until(sched); wait > 0 {
			time.Sleep(wait)
		}
		if inflight.Load() >= int64(workers) {
			dropped++
			continue
		}
		inflight.Add(1)
		arrivals <- arrival{i, sched}
	}
	close(arrivals)
	wg.Wait()
	if st != nil {
		st.mu.Lock()
		st.dropped += dropped
		st.mu.Unlock()
	}
	return max(d, time.Since(start))
}

// runBurst starts n requests at the same moment, do(i) each on its own
// goroutine with its own connection, and returns the time until the last one
// answered. Latency runs from the common start.
func runBurst(n int, do func(i int64) error, st *stats) time.Duration {
	var ready, wg sync.WaitGroup
	gate := make(chan struct{})
	var start time.Time
	for i := range n {
		ready.Add(1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			<-gate
			err := do(int64(i))
			st.record(time.Since(start), false, err)
		}()
	}
	ready.Wait()
	start = time.Now()
	close(gate)
	wg.Wait()
	return time.Since(start)
}

// result is one phase's JSON line (and one row of the table). Latencies cover
// every completed request, correct or not; percentiles are nearest-rank over
// all of them.
type result struct {
	Phase       string  `json:"phase"`
	Model       string  `json:"model"` // open (constant arrival rate) or burst
	TargetRate  float64 `json:"target_rate,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"` // burst: requests fired at once
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
	FirstError  string  `json:"first_error,omitempty"`

	AuthCPUPercent    float64 `json:"auth_cpu_percent"`
	RouterCPUPercent  float64 `json:"router_cpu_percent"`
	LoadgenCPUPercent float64 `json:"loadgen_cpu_percent"`
	// PostgresCPUPercent and RedisCPUPercent count every process of theirs on
	// the machine, including work for others sharing it.
	PostgresCPUPercent float64 `json:"postgres_cpu_percent"`
	RedisCPUPercent    float64 `json:"redis_cpu_percent"`
	MachineBusy        float64 `json:"machine_busy_percent"`
	AuthPeakRSSMB      float64 `json:"auth_peak_rss_mb"`
	RouterPeakRSSMB    float64 `json:"router_peak_rss_mb"`
	RSSSamples         int     `json:"rss_samples"`

	// Burst only: resident memory just before, and the kernel's high-water
	// mark (VmHWM) after; HWMScope says whether that mark covers only the
	// burst (reset before it) or the whole life of the process.
	AuthRSSBeforeMB   float64 `json:"auth_rss_before_mb,omitempty"`
	RouterRSSBeforeMB float64 `json:"router_rss_before_mb,omitempty"`
	AuthHWMMB         float64 `json:"auth_hwm_mb,omitempty"`
	RouterHWMMB       float64 `json:"router_hwm_mb,omitempty"`
	HWMScope          string  `json:"hwm_scope,omitempty"`
}

func (s *stats) result(phase, model string, rate float64, elapsed time.Duration) *result {
	s.mu.Lock()
	defer s.mu.Unlock()
	report.SortDurations(s.lat)
	r := &result{
		Phase:      phase,
		Model:      model,
		TargetRate: rate,
		DurationS:  round2(elapsed.Seconds()),
		Requests:   s.requests,
		OK:         s.ok,
		Errors:     s.errors,
		Dropped:    s.dropped,
		Late:       s.late,
		P50MS:      ms(report.Percentile(s.lat, 0.50)),
		P95MS:      ms(report.Percentile(s.lat, 0.95)),
		P99MS:      ms(report.Percentile(s.lat, 0.99)),
		FirstError: s.firstErr,
	}
	if elapsed > 0 {
		r.RPS = round2(float64(s.ok) / elapsed.Seconds())
	}
	if n := len(s.lat); n > 0 {
		var sum time.Duration
		for _, d := range s.lat {
			sum += d
		}
		r.MeanMS = ms(sum / time.Duration(n))
		r.MaxMS = ms(s.lat[n-1])
	}
	return r
}

func ms(d time.Duration) float64 { return round2(float64(d) / float64(time.Millisecond)) }

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

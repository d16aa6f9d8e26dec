// Command authbench is the identity benchmark of `make bench-auth` (issue 4).
//
// Through the router's GraphQL endpoint it measures, at constant arrival
// rates (the open model of bench/cmd/loadgen), the latency of login (default
// 10/s for 20 s), refresh (500/s for 20 s) and me (500/s for 20 s), then fires
// a burst of 100 logins at once while it samples the resident memory of the
// auth subgraph and the router every 10 ms.
//
// Before measuring it signs up -users accounts (unmeasured). Every login of
// the login phase opens a session; those sessions and the signups' form the
// pool the refresh and me phases draw on. A refresh token works once, so each
// session serves one refresh at a time and takes back the new token; me
// requests go round the pool's latest access tokens.
//
// Every answer is checked: a transport failure, a status other than 200, a
// GraphQL error or data that is not what was asked for counts as an error.
// Output: a markdown table on stdout and one JSON line per phase in -out.
// Exit status 1 when any request was an error, 2 when the run could not be
// done (for example the signups failed).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"fedstack/bench/internal/report"
	"fedstack/bench/internal/stackprobe"
)

type config struct {
	url             string
	authPID         int
	routerPID       int
	users           int
	loginRate       float64
	loginDuration   time.Duration
	refreshRate     float64
	refreshDuration time.Duration
	meRate          float64
	meDuration      time.Duration
	warmup          time.Duration
	burst           int
	maxInflight     int
	timeout         time.Duration
	lateAfter       time.Duration
	sampleEvery     time.Duration
	out             string
}

func main() {
	var c config
	flag.StringVar(&c.url, "url", "http://127.0.0.1:4000/graphql", "the router's GraphQL endpoint")
	flag.IntVar(&c.authPID, "auth-pid", 0, "process id of the auth subgraph (memory and CPU are sampled)")
	flag.IntVar(&c.routerPID, "router-pid", 0, "process id of the router (memory and CPU are sampled)")
	flag.IntVar(&c.users, "users", 20, "accounts signed up before measuring; logins go round them")
	flag.Float64Var(&c.loginRate, "login-rate", 10, "login arrivals per second")
	flag.DurationVar(&c.loginDuration, "login-duration", 20*time.Second, "measured time of the login phase")
	flag.Float64Var(&c.refreshRate, "refresh-rate", 500, "refresh arrivals per second")
	flag.DurationVar(&c.refreshDuration, "refresh-duration", 20*time.Second, "measured time of the refresh phase")
	flag.Float64Var(&c.meRate, "me-rate", 500, "me arrivals per second")
	flag.DurationVar(&c.meDuration, "me-duration", 20*time.Second, "measured time of the me phase")
	flag.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured load at the same rate before the refresh and me phases")
	flag.IntVar(&c.burst, "burst", 100, "logins fired at once in the burst")
	flag.IntVar(&c.maxInflight, "max-inflight", 256, "most requests in flight in the open model (an arrival finding them all busy is dropped)")
	flag.DurationVar(&c.timeout, "timeout", 30*time.Second, "per-request timeout")
	flag.DurationVar(&c.lateAfter, "late-after", 10*time.Millisecond, "a request starting this much after it was due counts as late")
	flag.DurationVar(&c.sampleEvery, "sample-every", 10*time.Millisecond, "VmRSS sampling interval")
	flag.StringVar(&c.out, "out", "", "file for the JSON lines (default: stdout, after the table)")
	flag.Parse()

	results, err := run(c, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "authbench:", err)
		os.Exit(2)
	}
	printTable(os.Stdout, results)
	if err := writeJSON(c.out, results); err != nil {
		fmt.Fprintln(os.Stderr, "authbench:", err)
		os.Exit(2)
	}
	failed := false
	for _, r := range results {
		if r.Errors > 0 {
			fmt.Fprintf(os.Stderr, "authbench: %s: %d of %d requests failed; the first: %s\n", r.Phase, r.Errors, r.Requests, r.FirstError)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func (c config) validate() error {
	switch {
	case c.users < 1:
		return errors.New("-users must be at least 1")
	case c.loginRate <= 0 || c.refreshRate <= 0 || c.meRate <= 0:
		return errors.New("-login-rate, -refresh-rate and -me-rate must be above 0")
	case c.loginDuration <= 0 || c.refreshDuration <= 0 || c.meDuration <= 0:
		return errors.New("-login-duration, -refresh-duration and -me-duration must be above 0")
	case c.burst < 1:
		return errors.New("-burst must be at least 1")
	case c.maxInflight < 1:
		return errors.New("-max-inflight must be at least 1")
	case c.sampleEvery <= 0:
		return errors.New("-sample-every must be above 0")
	}
	return nil
}

// run does the whole benchmark; progress goes to logw.
func run(c config, logw io.Writer) ([]*result, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(logw, "%s authbench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	ctx := context.Background()
	cl := newClient(c.url, c.timeout, max(2*c.maxInflight, 2*c.burst))
	w := watched{auth: c.authPID, router: c.routerPID}
	sampler := stackprobe.SampleRSS(w.pids(), c.sampleEvery)
	defer sampler.Stop()

	// Accounts, signed up two at a time (the auth subgraph hashes at most one
	// password per core at once anyway).
	runID := randomHex(4)
	accounts := make([]account, c.users)
	pool := make([]*session, 0, c.users+int(c.loginRate*c.loginDuration.Seconds())+1)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	t0 := time.Now()
	for i := range accounts {
		accounts[i] = account{
			email:    fmt.Sprintf("authbench-%s-%d@example.com", runID, i),
			password: randomHex(12), // 24 random characters: never on the common-password list
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s, err := cl.signup(ctx, accounts[i], fmt.Sprintf("Bench User %d", i))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				firstErr = cmp(firstErr, err)
				return
			}
			pool = append(pool, s)
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("signing up the benchmark's accounts: %w", firstErr)
	}
	logf("signed up %d accounts in %.1f s", c.users, time.Since(t0).Seconds())

	var results []*result
	phase := func(name string, rate float64, d, warm time.Duration, workers int, do func(int64) error) *result {
		if warm > 0 {
			runOpen(rate, warm, workers, c.lateAfter, do, nil)
		}
		logf("%s: %.0f/s for %s ...", name, rate, d)
		st := newStats()
		sampler.Reset()
		u := w.startUsage()
		elapsed := runOpen(rate, d, workers, c.lateAfter, do, st)
		r := st.result(name, "open", rate, elapsed)
		fill(r, u, sampler)
		logf("%s: %.1f/s, p50 %.1f ms, p95 %.1f ms, errors %d, dropped %d", name, r.RPS, r.P50MS, r.P95MS, r.Errors, r.Dropped)
		results = append(results, r)
		return r
	}

	// Login: every success adds its session to the pool.
	phase("login", c.loginRate, c.loginDuration, 0, c.maxInflight, func(i int64) error {
		s, err := cl.login(ctx, accounts[int(i)%len(accounts)])
		if err != nil {
			return err
		}
		mu.Lock()
		pool = append(pool, s)
		mu.Unlock()
		return nil
	})

	// Refresh: a session serves one refresh at a time. It goes back with its
	// new tokens, or with the old ones after a failure (within the grace
	// period a retried token answers the same new one).
	free := make(chan *session, len(pool))
	for _, s := range pool {
		free <- s
	}
	phase("refresh", c.refreshRate, c.refreshDuration, c.warmup, min(c.maxInflight, len(pool)), func(int64) error {
		s := <-free
		defer func() { free <- s }()
		next := *s
		if err := cl.refresh(ctx, &next); err != nil {
			return err
		}
		*s = next
		return nil
	})

	// Me: round the pool's latest access tokens.
	phase("me", c.meRate, c.meDuration, c.warmup, c.maxInflight, func(i int64) error {
		s := pool[int(i)%len(pool)]
		return cl.me(ctx, s.access, s.email)
	})

	// Burst: all logins at once, memory sampled every -sample-every.
	logf("burst: %d logins at once ...", c.burst)
	results = append(results, burst(ctx, c, cl, w, sampler, accounts))
	r := results[len(results)-1]
	logf("burst: done in %.2f s, p50 %.1f ms, p95 %.1f ms, errors %d; auth peak %.1f MB, router peak %.1f MB",
		r.DurationS, r.P50MS, r.P95MS, r.Errors, r.AuthPeakRSSMB, r.RouterPeakRSSMB)
	return results, nil
}

func burst(ctx context.Context, c config, cl *client, w watched, sampler *stackprobe.RSSSampler, accounts []account) *result {
	scope := "burst"
	for _, pid := range []int{w.auth, w.router} {
		if pid > 0 && stackprobe.ResetHWM(pid) != nil {
			scope = "process lifetime" // could not reset the high-water mark
		}
	}
	var authBefore, routerBefore uint64
	if w.auth > 0 {
		authBefore = stackprobe.RSS(w.auth)
	}
	if w.router > 0 {
		routerBefore = stackprobe.RSS(w.router)
	}
	st := newStats()
	sampler.Reset()
	u := w.startUsage()
	elapsed := runBurst(c.burst, func(i int64) error {
		_, err := cl.login(ctx, accounts[int(i)%len(accounts)])
		return err
	}, st)
	r := st.result("burst-login", "burst", 0, elapsed)
	r.Concurrency = c.burst
	fill(r, u, sampler)
	r.AuthRSSBeforeMB, r.RouterRSSBeforeMB = stackprobe.MB(authBefore), stackprobe.MB(routerBefore)
	if w.auth > 0 {
		r.AuthHWMMB = stackprobe.MB(stackprobe.HWM(w.auth))
	}
	if w.router > 0 {
		r.RouterHWMMB = stackprobe.MB(stackprobe.HWM(w.router))
	}
	if w.auth > 0 || w.router > 0 {
		r.HWMScope = scope
	}
	return r
}

// watched names the processes whose memory and CPU the benchmark reports.
type watched struct {
	auth, router int
}

// pids are the watched processes by name (0: none).
func (w watched) pids() map[string]int { return map[string]int{"auth": w.auth, "router": w.router} }

// startUsage starts measuring the CPU use of the watched processes, of PostgreSQL and
// Redis (all their processes on the machine, whoever they serve; one that starts
// meanwhile counts whole), of the load generator itself and of the whole machine.
func (w watched) startUsage() *stackprobe.Usage {
	pids := map[string][]int{"self": {os.Getpid()}}
	if w.auth > 0 {
		pids["auth"] = []int{w.auth}
	}
	if w.router > 0 {
		pids["router"] = []int{w.router}
	}
	return stackprobe.StartUsage(pids, map[string]string{"postgres": "postgres", "redis": "redis-server"})
}

// fill adds the CPU use since u (100 % = one core; the machine's busy share is of all its
// cores) and the sampled memory peaks of a phase to r.
func fill(r *result, u *stackprobe.Usage, sampler *stackprobe.RSSSampler) {
	pct, machine := u.End()
	r.AuthCPUPercent, r.RouterCPUPercent = pct["auth"], pct["router"]
	r.LoadgenCPUPercent, r.MachineBusy = pct["self"], machine
	r.PostgresCPUPercent, r.RedisCPUPercent = pct["postgres"], pct["redis"]
	peak, n := sampler.Peaks()
	r.AuthPeakRSSMB, r.RouterPeakRSSMB, r.RSSSamples = stackprobe.MB(peak["auth"]), stackprobe.MB(peak["router"]), n
}

func cmp(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b)
}

// writeJSON writes one JSON line per phase.
func writeJSON(path string, results []*result) error {
	lines := make([]any, len(results))
	for i, r := range results {
		lines[i] = r
	}
	return report.WriteJSONLines(path, lines...)
}

// Command subbench is the subscription benchmark of `make bench-subs` (issue 5).
//
// Through the router's graphql-transport-ws endpoint it measures two things:
//
//   - latency: -latency-subs websockets of ONE user, each with the subscription
//     `todoChanged`, receive every todo that user adds; -writes addTodo mutations at
//     -write-rate per second go through the router, and the time from sending each write to
//     each subscriber receiving it is the latency (same machine, same clock);
//   - ramp: idle subscriptions of -users users held by the router in steps (-steps, default
//     1,000 to 40,000). Connections (one subscription each) are added until a step is
//     reached or the router's open-files limit leaves no room; past that limit, steps add
//     subscriptions on the connections already open (graphql-transport-ws carries many per
//     socket). At every step one write per user proves that every subscription is live
//     (each must receive it), then, after -settle, the resident memory of the router, the
//     todos subgraph and the load generator is read from /proc, and the router's goroutines
//     and Go memory statistics from its pprof endpoint (-pprof). The ramp stops at the last
//     step, when connections fail or subscriptions stop delivering, when the router's memory
//     passes -max-rss-mb, or when the next step would end after -budget.
//
// The ramp's connections live in -workers worker processes (this program with -worker), so
// the load generator's own open-files limit is not what stops the ramp. After the ramp,
// -overshoot connections beyond the router's open-files limit show what a client then gets.
//
// Output: markdown tables on stdout, one JSON line per phase and step in -out, the router's
// goroutine and heap profiles of every step in -profiles. Exit status 1 when the latency
// phase lost deliveries or a write failed, 2 when the run could not be done.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fedstack/bench/internal/gqlclient"
	"fedstack/bench/internal/report"
	"fedstack/bench/internal/stackprobe"
)

type config struct {
	url           string
	routerPID     int
	todosPID      int
	pprof         string
	users         int
	tokensPerUser int
	steps         []int
	workers       int
	concurrency   int
	handshake     time.Duration
	settle        time.Duration
	delivery      time.Duration
	budget        time.Duration
	maxRSSMB      int
	fdReserve     int
	overshoot     int
	latencySubs   int
	writes        int
	warmWrites    int
	writeRate     float64
	lateAfter     time.Duration
	out           string
	profiles      string
}

func main() {
	var c config
	var steps string
	worker := flag.Bool("worker", false, "run as a worker process of the ramp (internal)")
	flag.StringVar(&c.url, "url", "http://127.0.0.1:4000/graphql", "the router's GraphQL endpoint (websockets on the same URL, ws://)")
	flag.IntVar(&c.routerPID, "router-pid", 0, "process id of the router (memory, CPU, open files)")
	flag.IntVar(&c.todosPID, "todos-pid", 0, "process id of the todos subgraph (memory, CPU, open files)")
	flag.StringVar(&c.pprof, "pprof", "", "host:port of the router's pprof endpoint (PPROF_ADDR): goroutines, Go memory, profiles")
	flag.IntVar(&c.users, "users", 100, "users whose subscriptions the ramp holds (connection k is user k mod users)")
	flag.IntVar(&c.tokensPerUser, "tokens-per-user", 1, "sessions (logins, each with its own access token) per user, and up to -latency-subs for the latency user, used in turn by the connections: the router shares one upstream subscription among subscriptions with the same token and query")
	flag.StringVar(&steps, "steps", "1000,5000,10000,20000,30000,40000", "subscriptions held at each ramp step")
	flag.IntVar(&c.workers, "workers", 2, "worker processes holding the ramp's connections (0: this process)")
	flag.IntVar(&c.concurrency, "concurrency", 128, "connections opened at once (per worker)")
	flag.DurationVar(&c.handshake, "handshake-timeout", 10*time.Second, "time for one connection's upgrade, connection_init and ack")
	flag.DurationVar(&c.settle, "settle", 3*time.Second, "wait after each step's probe before reading memory")
	flag.DurationVar(&c.delivery, "delivery-timeout", 15*time.Second, "time for every subscription to receive a write")
	flag.DurationVar(&c.budget, "budget", 150*time.Second, "time for the ramp: a step that would end later is not started")
	flag.IntVar(&c.maxRSSMB, "max-rss-mb", 4000, "stop the ramp once the router's resident memory passes this")
	flag.IntVar(&c.fdReserve, "fd-reserve", 200, "open files left to the router below its limit (for Redis, subgraphs, new requests)")
	flag.IntVar(&c.overshoot, "overshoot", 200, "connections tried past the router's open-files limit after the ramp (0: none)")
	flag.IntVar(&c.latencySubs, "latency-subs", 1000, "subscribers of the one user in the latency phase")
	flag.IntVar(&c.writes, "writes", 100, "measured writes of the latency phase")
	flag.IntVar(&c.warmWrites, "warm-writes", 5, "unmeasured writes before them, more (up to 50 more) until every subscriber received the last")
	flag.Float64Var(&c.writeRate, "write-rate", 10, "writes per second in the latency phase")
	flag.DurationVar(&c.lateAfter, "late-after", 10*time.Millisecond, "a write sent this much after it was due counts as late")
	flag.StringVar(&c.out, "out", "", "file for the JSON lines (default: stdout, after the tables)")
	flag.StringVar(&c.profiles, "profiles", "", "directory for the router's goroutine and heap profiles at each step (default: none)")
	flag.Parse()

	if *worker {
		if err := runWorker(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "subbench worker:", err)
			os.Exit(2)
		}
		return
	}
	var err error
	if c.steps, err = parseSteps(steps); err != nil {
		fmt.Fprintln(os.Stderr, "subbench:", err)
		os.Exit(2)
	}
	res, err := run(c, os.Stderr)
	if res != nil {
		printTables(os.Stdout, res)
		if werr := writeJSON(c.out, res); werr != nil && err == nil {
			err = werr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "subbench:", err)
		os.Exit(2)
	}
	if l := res.Latency; l != nil && (l.Missing > 0 || l.WriteErrors > 0 || l.Bad > 0) {
		fmt.Fprintf(os.Stderr, "subbench: latency phase: %d deliveries missing, %d writes failed, %d bad events\n", l.Missing, l.WriteErrors, l.Bad)
		os.Exit(1)
	}
}

func parseSteps(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(strings.ReplaceAll(f, "_", ""))
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("step %q is not a positive number of subscriptions", f)
		}
		if len(out) > 0 && n <= out[len(out)-1] {
			return nil, fmt.Errorf("steps must grow: %d after %d", n, out[len(out)-1])
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("no steps")
	}
	return out, nil
}

func (c config) validate() error {
	switch {
	case c.users < 1:
		return errors.New("-users must be at least 1")
	case c.latencySubs < 1 || c.writes < 1 || c.writeRate <= 0:
		return errors.New("-latency-subs, -writes and -write-rate must be above 0")
	case c.warmWrites < 1:
		return errors.New("-warm-writes must be at least 1 (they prove the subscribers live)")
	case c.concurrency < 1 || c.workers < 0:
		return errors.New("-concurrency must be at least 1, -workers at least 0")
	case c.handshake <= 0 || c.delivery <= 0:
		return errors.New("-handshake-timeout and -delivery-timeout must be above 0")
	case !strings.HasPrefix(c.url, "http://") && !strings.HasPrefix(c.url, "https://"):
		return errors.New("-url must be the router's http(s) GraphQL endpoint")
	}
	return nil
}

// results is everything one run measured.
type results struct {
	Summary *summary       `json:"summary"`
	Latency *latencyResult `json:"latency,omitempty"`
	Steps   []*stepResult  `json:"steps,omitempty"`
}

// summary describes the run: limits, the router at rest, why the ramp stopped.
type summary struct {
	Phase            string   `json:"phase"` // "summary"
	Users            int      `json:"users"`
	TokensPerUser    int      `json:"tokensPerUser"`
	RouterFDLimit    int      `json:"routerFdLimit"`
	GeneratorFDLimit int      `json:"generatorFdLimit"`
	Workers          int      `json:"workers"`
	Idle             snapshot `json:"idle"`     // after the signups, before any websocket
	RampBase         snapshot `json:"rampBase"` // after the latency phase, before the ramp
	// AfterDrop: after every ramp connection was dropped without a close frame.
	AfterDrop     snapshot `json:"afterDrop"`
	MostSubs      int      `json:"mostSubs"` // held and live at the ramp's best step
	MostConns     int      `json:"mostConns"`
	StopReason    string   `json:"stopReason"`
	SignupSeconds float64  `json:"signupSeconds"`
	TotalSeconds  float64  `json:"totalSeconds"`
}

// snapshot is the state of the processes at one moment.
type snapshot struct {
	RouterRSSMB    float64 `json:"routerRssMB"`
	TodosRSSMB     float64 `json:"todosRssMB"`
	GeneratorRSSMB float64 `json:"generatorRssMB"` // this process and its workers
	RouterFDs      int     `json:"routerFds"`
	TodosFDs       int     `json:"todosFds"`
	// RouterFDsAfterGC: read again after the forced GC of the pprof heap profile.
	RouterFDsAfterGC int     `json:"routerFdsAfterGC"`
	Go               goStats `json:"routerGo"`
	GoErr            string  `json:"routerGoError,omitempty"`
}

// latencyResult is the latency phase.
type latencyResult struct {
	Phase       string  `json:"phase"` // "latency"
	Subscribers int     `json:"subscribers"`
	Live        int     `json:"live"` // received the last warm-up write
	WarmWrites  int     `json:"warmWrites"`
	ConnFailed  int     `json:"connFailed"`
	FirstError  string  `json:"firstError,omitempty"`
	OpenSeconds float64 `json:"openSeconds"`
	Writes      int     `json:"writes"`
	Rate        float64 `json:"rate"`
	WriteErrors int     `json:"writeErrors"`
	FirstWrite  string  `json:"firstWriteError,omitempty"`
	LateWrites  int     `json:"lateWrites"`
	// Every (write, subscriber) pair: delivered, missing after -delivery-timeout, delivered
	// twice, or not what was written.
	Expected   int64 `json:"expected"`
	Deliveries int64 `json:"deliveries"`
	Missing    int64 `json:"missing"`
	Duplicates int64 `json:"duplicates"`
	Bad        int64 `json:"bad"`
	// Delivery time (received - write sent) over all deliveries, ms.
	P50MS float64 `json:"p50Ms"`
	P95MS float64 `json:"p95Ms"`
	P99MS float64 `json:"p99Ms"`
	MaxMS float64 `json:"maxMs"`
	// Time until the last subscriber received a write, over the writes, ms.
	AllP50MS float64 `json:"allP50Ms"`
	AllP99MS float64 `json:"allP99Ms"`
	AllMaxMS float64 `json:"allMaxMs"`
	// Time until the write's own answer, ms.
	WriteP50MS float64 `json:"writeP50Ms"`
	WriteP99MS float64 `json:"writeP99Ms"`
	// CPU in % of one core over the measured writes; MachineBusy of all cores.
	CPU         map[string]float64 `json:"cpuPercent"`
	MachineBusy float64            `json:"machineBusyPercent"`
	After       snapshot           `json:"after"`
}

// stepResult is one step of the ramp.
type stepResult struct {
	Phase      string `json:"phase"` // connections, subscriptions, overshoot
	TargetSubs int    `json:"targetSubs"`
	// Held: connections and subscriptions the generator holds; Live: subscriptions that
	// received the step's probe write.
	Conns      int    `json:"conns"`
	Subs       int    `json:"subs"`
	Live       int    `json:"live"`
	Added      int    `json:"added"`
	Failed     int    `json:"failed"`
	FirstError string `json:"firstError,omitempty"`
	Lost       int    `json:"lost"` // connections the server closed
	// Bad: events that were not what was written for the subscription's user (another
	// user's change, an error, malformed); LostError is the first of these problems.
	Bad       int64   `json:"bad"`
	LostError string  `json:"lostError,omitempty"`
	Limited   string  `json:"limited,omitempty"` // why fewer were added than the step asked
	OpenSecs  float64 `json:"openSeconds"`
	PerSecond float64 `json:"addedPerSecond"`
	// Probe: one write per user at once; delivery time over every subscription, ms.
	ProbeWrites int     `json:"probeWrites"`
	ProbeErrors int     `json:"probeErrors"`
	ProbeP50MS  float64 `json:"probeP50Ms"`
	ProbeP99MS  float64 `json:"probeP99Ms"`
	ProbeMaxMS  float64 `json:"probeMaxMs"`
	snapshot
	RouterPeakRSSMB float64 `json:"routerPeakRssMB"`
	// Router memory per subscription: over the ramp's base, and since the previous step.
	PerSubKB    float64            `json:"perSubKB"`
	MarginalKB  float64            `json:"marginalKB"`
	CPU         map[string]float64 `json:"cpuPercent"`
	MachineBusy float64            `json:"machineBusyPercent"`
}

// bench is one run's shared state.
type bench struct {
	c      config
	logf   func(format string, args ...any)
	cl     *client
	pp     *pprofClient
	tokens []string // ramp users, one access token each (probe writes)
	// connTokens are the ramp connections' tokens: connection k uses connTokens[k mod len],
	// which belongs to user (k mod len) mod users.
	connTokens []string
	latTok     string // the latency phase's user
	// latTokens: the latency phase's connection k uses latTokens[k mod len].
	latTokens []string
	shards    []shard
	gen       []int // this process and its workers
	res       *results
	started   time.Time
}

// run does the whole benchmark; progress goes to logw.
func run(c config, logw io.Writer) (*results, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	b := &bench{
		c: c,
		logf: func(format string, args ...any) {
			fmt.Fprintf(logw, "%s subbench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
		},
		cl:      newClient(c.url, 30*time.Second, 64),
		res:     &results{Summary: &summary{Phase: "summary", Users: c.users, TokensPerUser: max(1, c.tokensPerUser), Workers: c.workers}},
		gen:     []int{os.Getpid()},
		started: time.Now(),
	}
	if c.pprof != "" {
		b.pp = &pprofClient{base: "http://" + c.pprof, http: &http.Client{Timeout: 60 * time.Second}}
	}
	s := b.res.Summary
	s.RouterFDLimit = -1
	if c.routerPID > 0 {
		s.RouterFDLimit = stackprobe.FDLimit(c.routerPID)
	}
	s.GeneratorFDLimit = stackprobe.FDLimit(os.Getpid())
	defer func() { s.TotalSeconds = round1(time.Since(b.started).Seconds()) }()

	if err := b.signup(); err != nil {
		return b.res, err
	}
	s.Idle = b.snapshot("idle")

	if err := b.latency(); err != nil {
		return b.res, err
	}
	b.logf("latency: p50 %.1f ms, p99 %.1f ms, missing %d", b.res.Latency.P50MS, b.res.Latency.P99MS, b.res.Latency.Missing)
	time.Sleep(c.settle)
	s.RampBase = b.snapshot("ramp-base")

	defer b.closeShards()
	if err := b.ramp(); err != nil {
		return b.res, err
	}

	// Every ramp client drops its connection without a close frame (a crash, a lost
	// network): what does the router give back?
	if n := s.MostConns; n > 0 {
		b.logf("dropping every ramp connection without a close frame ...")
		b.closeShards()
		time.Sleep(c.settle)
		s.AfterDrop = b.snapshot("after-drop")
		b.logf("after the drop: router %.0f MB RSS, %d goroutines, %d open files (%d after a GC)",
			s.AfterDrop.RouterRSSMB, s.AfterDrop.Go.Goroutines, s.AfterDrop.RouterFDs, s.AfterDrop.RouterFDsAfterGC)
	}
	return b.res, nil
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(buf)
}

// signup creates the ramp's users and the latency phase's, two at a time (the auth subgraph
// hashes at most one password per core at once anyway). With -tokens-per-user above 1, each
// user also logs in that many times less one: each login is a session of its own, whose
// access token no other session shares.
func (b *bench) signup() error {
	t0 := time.Now()
	runID := randomHex(4)
	n := b.c.users + 1
	access, emails, passwords := make([]string, n), make([]string, n), make([]string, n)
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = err
		}
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := range access {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			emails[i], passwords[i] = fmt.Sprintf("subbench-%s-%d@example.com", runID, i), randomHex(12)
			a, err := b.cl.Signup(context.Background(), emails[i], passwords[i], fmt.Sprintf("Sub Bench %d", i))
			if err != nil {
				fail(err)
			}
			access[i] = a
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("signing up the benchmark's users: %w", firstErr)
	}
	b.latTok, b.tokens = access[0], access[1:]
	b.res.Summary.SignupSeconds = round1(time.Since(t0).Seconds())
	b.logf("signed up %d users in %.1f s", len(access), time.Since(t0).Seconds())

	// Connection tokens: ramp token j*users+u is user u's j-th session's; the latency user
	// has min(per, latency-subs) sessions.
	users, per := b.c.users, max(1, b.c.tokensPerUser)
	b.connTokens = make([]string, users*per)
	copy(b.connTokens, b.tokens)
	b.latTokens = make([]string, min(per, b.c.latencySubs))
	b.latTokens[0] = b.latTok
	if per == 1 {
		return nil
	}
	t1 := time.Now()
	type job struct {
		user int // -1: the latency user
		j    int
	}
	var jobs []job
	for j := 1; j < per; j++ {
		if j < len(b.latTokens) {
			jobs = append(jobs, job{-1, j})
		}
		for u := range users {
			jobs = append(jobs, job{u, j})
		}
	}
	for _, jb := range jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			i := jb.user + 1
			tok, err := b.cl.login(context.Background(), emails[i], passwords[i])
			if err != nil {
				fail(err)
				return
			}
			if jb.user < 0 {
				b.latTokens[jb.j] = tok
			} else {
				b.connTokens[jb.j*users+jb.user] = tok
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("logging in %d sessions per user: %w", per, firstErr)
	}
	b.logf("%d more sessions (%d per ramp user, %d for the latency user) in %.1f s",
		len(jobs), per, len(b.latTokens), time.Since(t1).Seconds())
	return nil
}

// snapshot reads the memory and open files of every process; name labels saved profiles.
func (b *bench) snapshot(name string) snapshot {
	var s snapshot
	if b.c.routerPID > 0 {
		s.RouterRSSMB, s.RouterFDs = stackprobe.MB(stackprobe.RSS(b.c.routerPID)), stackprobe.FDCount(b.c.routerPID)
	}
	if b.c.todosPID > 0 {
		s.TodosRSSMB, s.TodosFDs = stackprobe.MB(stackprobe.RSS(b.c.todosPID)), stackprobe.FDCount(b.c.todosPID)
	}
	var gen uint64
	for _, pid := range b.gen {
		gen += stackprobe.RSS(pid)
	}
	s.GeneratorRSSMB = stackprobe.MB(gen)
	if b.pp != nil {
		// After reading RSS: the heap statistics come after a forced GC in the router.
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		st, gor, heap, err := b.pp.stats(ctx)
		s.Go = st
		if b.c.routerPID > 0 {
			s.RouterFDsAfterGC = stackprobe.FDCount(b.c.routerPID)
		}
		if err != nil {
			s.GoErr = err.Error()
		}
		if b.c.profiles != "" && name != "" {
			if gor != nil {
				_ = os.WriteFile(filepath.Join(b.c.profiles, "goroutine-"+name+".txt"), gor, 0o644)
			}
			if heap != nil {
				_ = os.WriteFile(filepath.Join(b.c.profiles, "heap-"+name+".pb.gz"), heap, 0o644)
			}
		}
	}
	return s
}

// cpuGroups names the processes whose CPU use is reported.
func (b *bench) cpuGroups() map[string][]int {
	g := map[string][]int{"generator": slices.Clone(b.gen), "redis": stackprobe.PIDsNamed("redis-server")}
	if b.c.routerPID > 0 {
		g["router"] = []int{b.c.routerPID}
	}
	if b.c.todosPID > 0 {
		g["todos"] = []int{b.c.todosPID}
	}
	return g
}

// wsURL is the router's websocket URL.
func (b *bench) wsURL() string { return gqlclient.WSURL(b.c.url) }

// latency runs the latency phase: latencySubs subscribers of one user, warm-up writes that
// prove them live, then writes at writeRate, each delivered to every subscriber.
func (b *bench) latency() error {
	c := b.c
	n, maxWarm := c.latencySubs, c.warmWrites+50
	total := maxWarm + c.writes
	runID := randomHex(3)
	prefix := latencyPrefix + runID + "-"
	recv := make([]atomic.Int64, total*n) // [write][subscriber] Unix ns of the delivery
	var delivered, dups, bad atomic.Int64
	d, err := gqlclient.NewWSDialer(b.wsURL(), "", c.handshake)
	if err != nil {
		return err
	}
	r := &latencyResult{Phase: "latency", Subscribers: n, Writes: c.writes, Rate: c.writeRate}
	b.res.Latency = r

	b.logf("latency: opening %d subscriptions of one user ...", n)
	conns := make([]*wsConn, n)
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, min(c.concurrency, 64))
	t0 := time.Now()
	for k := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			onEvent := func(e event) {
				rest, ok := strings.CutPrefix(e.title, prefix)
				i, err := strconv.Atoi(rest)
				if !ok || err != nil || i < 0 || i >= total {
					bad.Add(1)
					return
				}
				if !recv[i*n+k].CompareAndSwap(0, e.at.UnixNano()) {
					dups.Add(1)
					return
				}
				if i >= maxWarm {
					delivered.Add(1)
				}
			}
			w, err := dial(context.Background(), d, b.latTokens[k%len(b.latTokens)], -1, onEvent)
			if err == nil {
				if err = w.subscribe(context.Background(), c.handshake); err != nil {
					w.close()
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.ConnFailed++
				if r.FirstError == "" {
					r.FirstError = err.Error()
				}
				return
			}
			conns[k] = w
		}()
	}
	wg.Wait()
	r.OpenSeconds = round1(time.Since(t0).Seconds())
	defer func() {
		var open []*wsConn
		for _, w := range conns {
			if w != nil {
				open = append(open, w)
			}
		}
		closeAll(open, true) // as browsers do: a connection dropped without a close frame costs the router an open file for good
	}()
	if r.ConnFailed == n {
		return fmt.Errorf("latency phase: no subscriber could connect: %s", r.FirstError)
	}
	b.logf("latency: %d subscribers in %.1f s (%d failed); %d warm-up writes ...", n-r.ConnFailed, r.OpenSeconds, r.ConnFailed, c.warmWrites)

	sent := make([]atomic.Int64, total)
	var writeLat []time.Duration
	var wmu sync.Mutex
	write := func(i int, measured bool) {
		var at time.Time
		t := time.Now()
		_, err := b.cl.addTodo(context.Background(), b.latTok, prefix+strconv.Itoa(i), func() {
			at = time.Now()
			sent[i].Store(at.UnixNano())
		})
		if !measured {
			if err != nil {
				b.logf("latency: a warm-up write failed: %v", err)
			}
			return
		}
		wmu.Lock()
		defer wmu.Unlock()
		if err != nil {
			r.WriteErrors++
			if r.FirstWrite == "" {
				r.FirstWrite = err.Error()
			}
			return
		}
		writeLat = append(writeLat, time.Since(t))
	}
	// Warm-up: -warm-writes writes, then more while some subscriber has not received the
	// latest (the protocol does not acknowledge a subscription; one not set up yet misses a
	// write), until -delivery-timeout. A subscriber that received the last one is live.
	interval := time.Duration(float64(time.Second) / c.writeRate)
	deadline := time.Now().Add(c.delivery)
	warm := 0
	for warm < maxWarm {
		write(warm, false)
		warm++
		time.Sleep(interval)
		if warm < c.warmWrites {
			continue
		}
		wait := time.Now().Add(500 * time.Millisecond)
		for {
			r.Live = 0
			for k := range n {
				if recv[(warm-1)*n+k].Load() != 0 {
					r.Live++
				}
			}
			if r.Live == n-r.ConnFailed || time.Now().After(wait) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if r.Live == n-r.ConnFailed || time.Now().After(deadline) {
			break
		}
	}
	r.WarmWrites = warm
	b.logf("latency: %d of %d subscribers live after %d warm-up writes; %d writes at %g/s ...", r.Live, n, warm, c.writes, c.writeRate)

	u := stackprobe.StartUsage(b.cpuGroups(), nil)
	start := time.Now()
	var ww sync.WaitGroup
	for j := range c.writes {
		i := maxWarm + j
		due := start.Add(time.Duration(j) * interval)
		time.Sleep(time.Until(due))
		if time.Since(due) > c.lateAfter {
			r.LateWrites++
		}
		ww.Add(1)
		go func() {
			defer ww.Done()
			write(i, true)
		}()
	}
	ww.Wait()
	// Wait for the deliveries of every successful write to every live subscriber.
	want := int64(c.writes-r.WriteErrors) * int64(r.Live)
	deadline = time.Now().Add(c.delivery)
	for delivered.Load() < want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	r.CPU, r.MachineBusy = u.End()

	var lat, all []time.Duration
	for j := range c.writes {
		i := maxWarm + j
		s := sent[i].Load()
		if s == 0 {
			continue // the write failed before it was sent
		}
		var last int64
		complete := true
		for k := range n {
			if conns[k] == nil {
				continue
			}
			r.Expected++
			at := recv[i*n+k].Load()
			if at == 0 {
				r.Missing++
				complete = false
				continue
			}
			lat = append(lat, time.Duration(at-s))
			last = max(last, at)
		}
		if complete && last > 0 {
			all = append(all, time.Duration(last-s))
		}
	}
	r.Deliveries = int64(len(lat))
	r.Duplicates, r.Bad = dups.Load(), bad.Load()
	report.SortDurations(lat)
	report.SortDurations(all)
	report.SortDurations(writeLat)
	pct := report.Percentile
	r.P50MS, r.P95MS, r.P99MS, r.MaxMS = ms(pct(lat, 0.50)), ms(pct(lat, 0.95)), ms(pct(lat, 0.99)), ms(pct(lat, 1))
	r.AllP50MS, r.AllP99MS, r.AllMaxMS = ms(pct(all, 0.50)), ms(pct(all, 0.99)), ms(pct(all, 1))
	r.WriteP50MS, r.WriteP99MS = ms(pct(writeLat, 0.50)), ms(pct(writeLat, 0.99))
	r.After = b.snapshot("latency")
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

// writeJSON writes the latency phase's JSON line, one per step, then the summary.
func writeJSON(path string, res *results) error {
	var lines []any
	if res.Latency != nil {
		lines = append(lines, res.Latency)
	}
	for _, s := range res.Steps {
		lines = append(lines, s)
	}
	return report.WriteJSONLines(path, append(lines, res.Summary)...)
}

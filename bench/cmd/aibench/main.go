// Command aibench is the AI streaming benchmark of `make bench-ai` (issue 6): the time our
// stack (router, ai subgraph, Redis, PostgreSQL) adds to a streamed chat answer.
//
// The model provider is a local OpenAI-protocol server in this process (llmtest) that
// answers every chat after a fixed time to first token (-ttft) with -chunks chunks
// -chunk-interval apart, and records when each model request arrived and each chunk was
// sent. Each chat, as the web app does it, sends
// `sendMessage` through the router (a new conversation, a message unique to the chat so the
// prompt cache never answers) and follows the answer with the `messageStream` subscription
// on the user's websocket to the router (graphql-transport-ws; one websocket per user,
// opened once, as a browser tab holds it) until the chunk with done: true. Provider and
// client read the same clock, so per chat:
//
//   - added before the first chunk = (first text received − message sent) − (the model's
//     first chunk sent − its request received): everything but the model's own time to
//     first token;
//   - added per chunk = chunk received − the same chunk sent by the model, for every chunk
//     (a piece received that holds several chunks counts for each).
//
// Every answer must be exactly what the provider sent, at contiguous offsets, end COMPLETE
// with its stored message, and come from one model request; a chat that does not is failed.
// Three phases: -sequential chats one at a time (after -warmup that are not measured);
// -rounds rounds of -concurrency chats sent at the same moment (a burst; after
// -warmup-rounds that are not measured); and -concurrency chats kept in flight, users
// starting evenly spread over one answer's time and running -staggered-chats in a row each
// (steady load; each user's first and last chat are not measured). The resident
// memory of the router and the ai subgraph is sampled during each phase, and the CPU used by
// them, Redis, PostgreSQL and this program is reported.
//
// The provider starts first (the ai subgraph lists its models when it starts): with
// -ready-file, aibench starts it on -provider-addr, then waits for the run script to write
// that file (ROUTER_PID=… and AI_PID=… lines) once the stack is up, and measures.
//
// Output: markdown tables on stdout, one JSON line per phase and a summary in -out. Exit
// status 1 when a measured chat failed, 2 when the run could not be done.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"fedstack/bench/internal/gqlclient"
	"fedstack/bench/internal/report"
	"fedstack/bench/internal/stackprobe"
)

type config struct {
	url            string
	providerAddr   string
	readyFile      string
	readyTimeout   time.Duration
	routerPID      int
	aiPID          int
	model          string
	ttft           time.Duration
	interval       time.Duration
	chunks         int
	users          int
	sequential     int
	warmup         int
	concurrency    int
	rounds         int
	warmupRounds   int
	staggeredChats int
	chatTimeout    time.Duration
	out            string
}

func main() {
	c := config{}
	flag.StringVar(&c.url, "url", "http://127.0.0.1:4000/graphql", "the router's GraphQL endpoint (websockets on the same URL, ws://)")
	flag.StringVar(&c.providerAddr, "provider-addr", "127.0.0.1:0", "where the model provider listens (the ai subgraph's LLM_BASE_URL is http://<this>/v1)")
	flag.StringVar(&c.readyFile, "ready-file", "", "wait for this file (written once the stack is up) and read ROUTER_PID and AI_PID from it; without it, measure at once with -router-pid and -ai-pid")
	flag.DurationVar(&c.readyTimeout, "ready-timeout", 3*time.Minute, "how long to wait for -ready-file")
	flag.IntVar(&c.routerPID, "router-pid", 0, "process id of the router (memory, CPU)")
	flag.IntVar(&c.aiPID, "ai-pid", 0, "process id of the ai subgraph (memory, CPU)")
	flag.StringVar(&c.model, "model", "aibench-model", "the model id the provider serves (the ai subgraph's AI_DEFAULT_MODEL)")
	flag.DurationVar(&c.ttft, "ttft", 200*time.Millisecond, "the model's time to first token")
	flag.DurationVar(&c.interval, "chunk-interval", 20*time.Millisecond, "the model's time between two chunks")
	flag.IntVar(&c.chunks, "chunks", 40, "chunks of every answer")
	flag.IntVar(&c.users, "users", 50, "users signed up; chat k is user k mod users's")
	flag.IntVar(&c.sequential, "sequential", 20, "measured chats one at a time")
	flag.IntVar(&c.warmup, "warmup", 3, "chats one at a time before them, not measured")
	flag.IntVar(&c.concurrency, "concurrency", 50, "chats at once in the concurrent phase (at most -users)")
	flag.IntVar(&c.rounds, "rounds", 3, "measured rounds of the concurrent phase")
	flag.IntVar(&c.warmupRounds, "warmup-rounds", 1, "rounds before them, not measured")
	flag.IntVar(&c.staggeredChats, "staggered-chats", 4, "then: chats in a row per user with -concurrency users in flight, started evenly spread (0: skip this phase); each user's first and last are not measured")
	flag.DurationVar(&c.chatTimeout, "chat-timeout", 0, "time for one chat to end (default: the model's time plus 30 s)")
	flag.StringVar(&c.out, "out", "", "file for the JSON lines (default: stdout, after the tables)")
	flag.Parse()
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s aibench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	if err := c.validate(); err != nil {
		logf("%v", err)
		os.Exit(2)
	}
	if c.chatTimeout <= 0 {
		c.chatTimeout = c.ttft + time.Duration(c.chunks)*c.interval + 30*time.Second
	}

	p, err := startProvider(c.providerAddr, c.model, c.ttft, c.interval, c.chunks)
	if err != nil {
		logf("%v", err)
		os.Exit(2)
	}
	defer p.Close()
	logf("model provider at %s (model %s: first token after %v, %d chunks %v apart)", p.URL(), c.model, c.ttft, c.chunks, c.interval)
	if c.readyFile != "" {
		if err := waitReady(&c, logf); err != nil {
			logf("%v", err)
			p.Close()
			os.Exit(2)
		}
	}

	res, err := run(c, p, logf)
	if res != nil {
		printTables(os.Stdout, res)
		if werr := writeJSON(c.out, res); werr != nil && err == nil {
			err = werr
		}
	}
	p.Close()
	if err != nil {
		logf("%v", err)
		os.Exit(2)
	}
	for _, ph := range res.Phases {
		if ph.Failed > 0 {
			logf("%s: %d of %d chats failed; the first: %s", ph.Name, ph.Failed, ph.Chats, ph.FirstError)
			os.Exit(1)
		}
	}
}

func (c config) validate() error {
	switch {
	case !strings.HasPrefix(c.url, "http://") && !strings.HasPrefix(c.url, "https://"):
		return errors.New("-url must be the router's http(s) GraphQL endpoint")
	case c.ttft < 0 || c.interval < 0 || c.chunks < 1:
		return errors.New("-ttft and -chunk-interval must not be negative, -chunks at least 1")
	case c.users < 1 || c.concurrency < 1 || c.concurrency > c.users:
		return errors.New("-users must be at least 1 and -concurrency between 1 and -users (each user has one chat at a time)")
	case c.sequential < 1 || c.rounds < 1 || c.warmup < 0 || c.warmupRounds < 0 || c.staggeredChats < 0:
		return errors.New("-sequential and -rounds must be at least 1, -warmup, -warmup-rounds and -staggered-chats at least 0")
	}
	return nil
}

// waitReady waits for the ready file and reads the process ids from it.
func waitReady(c *config, logf func(string, ...any)) error {
	logf("waiting for the stack (%s) ...", c.readyFile)
	deadline := time.Now().Add(c.readyTimeout)
	for {
		b, err := os.ReadFile(c.readyFile)
		if err == nil {
			vals, perr := parseEnvFile(string(b))
			if perr != nil {
				return fmt.Errorf("%s: %w", c.readyFile, perr)
			}
			if v, ok := vals["ROUTER_PID"]; ok {
				c.routerPID = v
			}
			if v, ok := vals["AI_PID"]; ok {
				c.aiPID = v
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the stack was not up within %v (no %s)", c.readyTimeout, c.readyFile)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// parseEnvFile reads NAME=<number> lines (blank lines and # comments are skipped).
func parseEnvFile(s string) (map[string]int, error) {
	out := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || err != nil {
			return nil, fmt.Errorf("line %q is not NAME=<number>", line)
		}
		out[strings.TrimSpace(k)] = n
	}
	return out, nil
}

// results is everything one run measured.
type results struct {
	Phases  []*phaseResult `json:"phases"`
	Summary *summary       `json:"summary"`
}

// summary describes the run.
type summary struct {
	Phase           string  `json:"phase"` // "summary"
	Model           string  `json:"model"`
	TTFTMS          float64 `json:"ttftMs"`
	ChunkIntervalMS float64 `json:"chunkIntervalMs"`
	Chunks          int     `json:"chunks"`
	Users           int     `json:"users"`
	SignupSeconds   float64 `json:"signupSeconds"`
	// Idle: resident memory (MB) after the signups and websockets, before any chat.
	Idle         map[string]float64 `json:"idleRssMB"`
	WarmupChats  int                `json:"warmupChats"`
	WarmupFailed int                `json:"warmupFailed"`
	// UnexpectedRequests: model requests that were no chat of the benchmark (titles, say).
	UnexpectedRequests int     `json:"unexpectedRequests"`
	TotalSeconds       float64 `json:"totalSeconds"`
}

// stats are percentiles of durations, in ms.
type stats struct {
	N     int     `json:"n"`
	P50MS float64 `json:"p50Ms"`
	P95MS float64 `json:"p95Ms"`
	P99MS float64 `json:"p99Ms"`
	MaxMS float64 `json:"maxMs"`
}

func statsOf(d []time.Duration) stats {
	report.SortDurations(d)
	return stats{N: len(d), P50MS: ms(report.Percentile(d, 0.50)), P95MS: ms(report.Percentile(d, 0.95)), P99MS: ms(report.Percentile(d, 0.99)), MaxMS: ms(report.Percentile(d, 1))}
}

// phaseResult is one phase: chats one at a time, or many at once.
type phaseResult struct {
	Phase        string `json:"phase"` // "phase"
	Name         string `json:"name"`  // "sequential", "burst" or "staggered"
	Label        string `json:"label"` // what the phase does, in words
	Concurrency  int    `json:"concurrency"`
	Rounds       int    `json:"rounds,omitempty"`       // burst: rounds measured
	WarmupRounds int    `json:"warmupRounds,omitempty"` // burst: rounds before them
	PerUser      int    `json:"perUser,omitempty"`      // staggered: chats in a row per user`
	Chats        int    `json:"chats"`
	Completed    int    `json:"completed"`
	Failed       int    `json:"failed"`
	// Mismatched: chats whose answer was not what the provider sent, or did not end
	// COMPLETE with its stored message (counted in Failed too).
	Mismatched int    `json:"mismatched"`
	FirstError string `json:"firstError,omitempty"`

	AddedFirst    stats `json:"addedBeforeFirstChunk"`
	PerChunk      stats `json:"addedPerChunk"`
	ToProvider    stats `json:"sentToProviderRequest"`
	FirstDelivery stats `json:"firstChunkDelivery"`
	DoneAfter     stats `json:"providerEndToDone"`
	Mutation      stats `json:"sendMessageAnswered"`
	Total         stats `json:"chatTotal"`
	ModelTTFT     stats `json:"modelTtft"`

	CPU         map[string]float64 `json:"cpuPercent"`
	MachineBusy float64            `json:"machineBusyPercent"`
	// ChunksPerSecond: chunks the model sent per second over the phase (every chat run in
	// it, measured or not); CPUPerChunkUS: each process's CPU time over the phase divided by
	// those chunks, in µs (the chats' other work, such as sendMessage, included).
	ChunksPerSecond float64            `json:"chunksPerSecond"`
	CPUPerChunkUS   map[string]float64 `json:"cpuPerChunkUs"`
	RSSBefore       map[string]float64 `json:"rssBeforeMB"`
	RSSPeak         map[string]float64 `json:"rssPeakMB"`
	RSSAfter        map[string]float64 `json:"rssAfterMB"`
	Seconds         float64            `json:"seconds"`
}

// user is a signed-up user with its websocket to the router.
type user struct {
	token string
	mu    sync.Mutex
	ws    *wsConn
}

// bench is one run's shared state.
type bench struct {
	c       config
	p       *provider
	cl      *client
	ws      *gqlclient.WSDialer
	runID   string
	users   []*user
	next    int // number of the next chat
	logf    func(string, ...any)
	started time.Time
}

func run(c config, p *provider, logf func(string, ...any)) (*results, error) {
	b := &bench{c: c, p: p, cl: newClient(c.url, c.chatTimeout, 2*c.users), runID: randomHex(4), logf: logf, started: time.Now()}
	var err error
	if b.ws, err = gqlclient.NewWSDialer(gqlclient.WSURL(c.url), "", 10*time.Second); err != nil {
		return nil, err
	}
	s := &summary{Phase: "summary", Model: c.model, TTFTMS: ms(c.ttft), ChunkIntervalMS: ms(c.interval), Chunks: c.chunks, Users: c.users}
	res := &results{Summary: s}
	defer func() {
		s.UnexpectedRequests = p.unexpectedRequests()
		s.TotalSeconds = round1(time.Since(b.started).Seconds())
	}()

	t0 := time.Now()
	if err := b.signup(); err != nil {
		return res, err
	}
	defer b.closeAll()
	s.SignupSeconds = round1(time.Since(t0).Seconds())
	logf("%d users signed up with a websocket each in %.1f s", c.users, s.SignupSeconds)
	time.Sleep(time.Second)
	s.Idle = b.rss()

	// Warm-up: proves the path works; a run where none of it does cannot be measured.
	var warm []*chat
	for range c.warmup {
		warm = append(warm, b.chat(0))
	}
	s.WarmupChats = len(warm)
	var firstErr error
	for _, ch := range warm {
		if _, err := analyze(ch, p.side(ch), c.chunks); err != nil {
			s.WarmupFailed++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if c.warmup > 0 && s.WarmupFailed == c.warmup {
		return res, fmt.Errorf("every warm-up chat failed; the first: %v", firstErr)
	}
	if firstErr != nil {
		logf("warm-up: %d of %d chats failed; the first: %v", s.WarmupFailed, c.warmup, firstErr)
	}

	res.Phases = append(res.Phases, b.phase(
		&phaseResult{Name: "sequential", Concurrency: 1, Label: fmt.Sprintf("%d chats one at a time", c.sequential)},
		nil,
		func() []*chat {
			var chats []*chat
			for k := range c.sequential {
				chats = append(chats, b.chat(k))
			}
			return chats
		}))
	res.Phases = append(res.Phases, b.phase(
		&phaseResult{Name: "burst", Concurrency: c.concurrency, Rounds: c.rounds, WarmupRounds: c.warmupRounds,
			Label: fmt.Sprintf("%d rounds of %d chats sent at the same moment", c.rounds, c.concurrency)},
		func() []*chat {
			for range c.warmupRounds {
				b.round(c.concurrency)
			}
			return nil
		},
		func() []*chat {
			var chats []*chat
			for range c.rounds {
				chats = append(chats, b.round(c.concurrency)...)
			}
			return chats
		}))
	if c.staggeredChats > 0 {
		res.Phases = append(res.Phases, b.phase(
			&phaseResult{Name: "staggered", Concurrency: c.concurrency, PerUser: c.staggeredChats,
				Label: fmt.Sprintf("%d chats in flight, started evenly spread, %d in a row per user", c.concurrency, c.staggeredChats)},
			nil,
			func() []*chat { return b.staggered(c.concurrency, c.staggeredChats) }))
	}
	return res, nil
}

func randomHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(buf)
}

// signup creates the users, four at a time, and opens each one's websocket.
func (b *bench) signup() error {
	b.users = make([]*user, b.c.users)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range b.users {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			u := &user{}
			var err error
			u.token, err = b.cl.Signup(context.Background(), fmt.Sprintf("aibench-%s-%d@example.com", b.runID, i), randomHex(12), fmt.Sprintf("AI Bench %d", i))
			if err == nil {
				u.ws, err = dialWS(context.Background(), b.ws, u.token)
			}
			mu.Lock()
			defer mu.Unlock()
			b.users[i] = u
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		b.closeAll()
		return fmt.Errorf("signing up the benchmark's users: %w", firstErr)
	}
	return nil
}

func (b *bench) closeAll() {
	for _, u := range b.users {
		if u != nil && u.ws != nil {
			u.ws.close()
			u.ws = nil
		}
	}
}

// conn returns the user's websocket, opening a new one with d when the last ended.
func (u *user) conn(d *gqlclient.WSDialer) (*wsConn, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.ws != nil && u.ws.alive() {
		return u.ws, nil
	}
	w, err := dialWS(context.Background(), d, u.token)
	if err != nil {
		return nil, err
	}
	u.ws = w
	return w, nil
}

// newChat prepares chat number n of user k mod users, known to the provider.
func (b *bench) newChat(n, k int) *chat {
	c := &chat{n: n, user: k % len(b.users)}
	c.content = chatContent(b.runID, c.n)
	b.p.register(c)
	return c
}

// numbers reserves n chat numbers and returns the first.
func (b *bench) numbers(n int) int {
	first := b.next + 1
	b.next += n
	return first
}

// runChat runs a prepared chat on its user's websocket.
func (b *bench) runChat(c *chat) {
	u := b.users[c.user]
	ws, err := u.conn(b.ws)
	if err != nil {
		c.err = fmt.Errorf("reopening the user's websocket: %w", err)
		return
	}
	c.run(context.Background(), b.cl, ws, u.token, b.c.chatTimeout)
}

// chat runs one chat of user k mod users.
func (b *bench) chat(k int) *chat {
	c := b.newChat(b.numbers(1), k)
	b.runChat(c)
	return c
}

// round runs n chats at once (users 0 … n-1, all sent at the same moment) and returns
// them when all ended.
func (b *bench) round(n int) []*chat {
	first := b.numbers(n)
	chats := make([]*chat, n)
	for i := range chats {
		chats[i] = b.newChat(first+i, i)
	}
	var wg sync.WaitGroup
	var ready sync.WaitGroup
	start := make(chan struct{})
	for _, c := range chats {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			u := b.users[c.user]
			ws, err := u.conn(b.ws)
			ready.Done()
			if err != nil {
				c.err = fmt.Errorf("reopening the user's websocket: %w", err)
				return
			}
			<-start
			c.run(context.Background(), b.cl, ws, u.token, b.c.chatTimeout)
		}()
	}
	ready.Wait()
	close(start)
	wg.Wait()
	return chats
}

// staggered keeps n chats in flight: users 0 … n-1 each run perUser chats back to back,
// the users starting evenly spread over one model answer's time, so that sends and chunks
// arrive evenly rather than in bursts. Each user's first and last chat (ramp-up and
// ramp-down, with fewer chats in flight) are not measured when perUser is 3 or more.
func (b *bench) staggered(n, perUser int) []*chat {
	first := b.numbers(n * perUser)
	step := (b.c.ttft + time.Duration(b.c.chunks)*b.c.interval) / time.Duration(n)
	all := make([][]*chat, n)
	var wg sync.WaitGroup
	for i := range n {
		all[i] = make([]*chat, perUser)
		for j := range perUser {
			all[i][j] = b.newChat(first+i*perUser+j, i)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * step)
			for _, c := range all[i] {
				b.runChat(c)
			}
		}()
	}
	wg.Wait()
	var measured []*chat
	for _, chats := range all {
		if perUser >= 3 {
			chats = chats[1 : perUser-1]
		}
		measured = append(measured, chats...)
	}
	return measured
}

// phase measures the chats that measure runs (after warm, not measured), with the memory
// and CPU of the processes meanwhile.
func (b *bench) phase(r *phaseResult, warm, measure func() []*chat) *phaseResult {
	r.Phase = "phase"
	if warm != nil {
		warm()
	}
	b.logf("%s: %s ...", r.Name, r.Label)
	r.RSSBefore = b.rss()
	sampler := stackprobe.SampleRSS(b.pids(), 100*time.Millisecond)
	u := stackprobe.StartUsage(b.cpuGroups(), nil)
	t0, sent0 := time.Now(), b.p.sentChunks()
	chats := measure()
	secs := time.Since(t0).Seconds()
	r.Seconds = round1(secs)
	r.CPU, r.MachineBusy = u.End()
	if n := b.p.sentChunks() - sent0; n > 0 && secs > 0 {
		r.ChunksPerSecond = round1(float64(n) / secs)
		r.CPUPerChunkUS = map[string]float64{}
		for name, pct := range r.CPU {
			r.CPUPerChunkUS[name] = round1(pct / 100 * secs * 1e6 / float64(n))
		}
	}
	peaks, _ := sampler.Stop()
	r.RSSPeak = mbs(peaks)
	time.Sleep(200 * time.Millisecond) // the provider's hooks of the last chunks have run
	r.RSSAfter = b.rss()

	var first, perChunk, toProv, firstDel, done, mut, total, ttft []time.Duration
	for _, c := range chats {
		r.Chats++
		m, err := analyze(c, b.p.side(c), b.c.chunks)
		if err != nil {
			r.Failed++
			if c.err == nil {
				r.Mismatched++
			}
			if r.FirstError == "" {
				r.FirstError = fmt.Sprintf("chat %d (message %s): %v", c.n, c.messageID, err)
			}
			continue
		}
		r.Completed++
		first = append(first, m.addedFirst)
		perChunk = append(perChunk, m.perChunk...)
		toProv = append(toProv, m.toProvider)
		firstDel = append(firstDel, m.firstDelivery)
		done = append(done, m.doneAfter)
		mut = append(mut, m.mutation)
		total = append(total, m.total)
		ttft = append(ttft, m.modelTTFT)
	}
	r.AddedFirst, r.PerChunk = statsOf(first), statsOf(perChunk)
	r.ToProvider, r.FirstDelivery, r.DoneAfter = statsOf(toProv), statsOf(firstDel), statsOf(done)
	r.Mutation, r.Total, r.ModelTTFT = statsOf(mut), statsOf(total), statsOf(ttft)
	b.logf("%s: %d of %d chats completed; added before the first chunk p95 %.1f ms, per chunk p95 %.1f ms",
		r.Name, r.Completed, r.Chats, r.AddedFirst.P95MS, r.PerChunk.P95MS)
	return r
}

// pids are the processes whose memory is reported.
func (b *bench) pids() map[string]int {
	return map[string]int{"router": b.c.routerPID, "ai": b.c.aiPID}
}

// rss reads their resident memory now, in MB.
func (b *bench) rss() map[string]float64 {
	now := map[string]uint64{}
	for name, pid := range b.pids() {
		now[name] = stackprobe.RSS(pid)
	}
	return mbs(now)
}

// mbs is bytes in MB, by process.
func mbs(bytes map[string]uint64) map[string]float64 {
	out := map[string]float64{}
	for name, b := range bytes {
		out[name] = stackprobe.MB(b)
	}
	return out
}

// cpuGroups names the processes whose CPU use is reported.
func (b *bench) cpuGroups() map[string][]int {
	g := map[string][]int{"aibench": {os.Getpid()}, "redis": stackprobe.PIDsNamed("redis-server"), "postgres": stackprobe.PIDsNamed("postgres")}
	if b.c.routerPID > 0 {
		g["router"] = []int{b.c.routerPID}
	}
	if b.c.aiPID > 0 {
		g["ai"] = []int{b.c.aiPID}
	}
	return g
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

// writeJSON writes one JSON line per phase, then the summary.
func writeJSON(path string, res *results) error {
	var lines []any
	for _, ph := range res.Phases {
		lines = append(lines, ph)
	}
	return report.WriteJSONLines(path, append(lines, res.Summary)...)
}

package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"fedstack/bench/internal/report"
	"fedstack/bench/internal/stackprobe"
)

// countFDs counts a process's open files where the ramp decides how many connections fit
// (a variable so that tests can stand in for a router).
var countFDs = stackprobe.FDCount

// ramp holds ever more idle subscriptions, step by step, until a step fails or a limit is
// reached; b.res.Steps gets one row per step.
func (b *bench) ramp() error {
	c := b.c
	s := b.res.Summary
	if err := b.startShards(); err != nil {
		return err
	}
	genLimit := s.GeneratorFDLimit
	perShard := 1 << 30 // connections one shard may hold
	if genLimit > 0 {
		perShard = genLimit - 100
		if len(b.shards) == 1 && c.workers == 0 {
			perShard -= c.latencySubs + 100 // this process also holds its HTTP client
		}
	}

	deadline := time.Now().Add(c.budget)
	var round int64
	next := 0           // global index of the next connection
	conns, subs := 0, 0 // held
	connsFull := false
	prevRSS, prevSubs := s.RampBase.RouterRSSMB, 0
	rate := 0.0 // subscriptions added per second at the last step
	var lastProbe time.Duration

	for si := 0; si < len(c.steps); si++ {
		target := c.steps[si]
		want := target - subs
		phase := "connections"
		limited := ""
		if connsFull {
			phase = "subscriptions"
		} else if c.routerPID > 0 && s.RouterFDLimit > 0 {
			room := s.RouterFDLimit - countFDs(c.routerPID) - c.fdReserve
			if room < want {
				want = max(room, 0)
				limited = fmt.Sprintf("the router's open-files limit (%d) leaves room for %d more connections (%d kept in reserve)", s.RouterFDLimit, want, c.fdReserve)
			}
		}
		if phase == "connections" && conns+want > perShard*len(b.shards) {
			want = max(perShard*len(b.shards)-conns, 0)
			limited = fmt.Sprintf("the load generator's workers hold at most %d connections each (open-files limit %d)", perShard, genLimit)
		}
		if want == 0 && phase == "connections" {
			connsFull = true
			si-- // the same step, with more subscriptions per connection
			continue
		}
		if rate > 0 {
			est := time.Duration(float64(want)/rate*float64(time.Second)) + lastProbe + c.settle + 2*time.Second
			if time.Now().Add(est).After(deadline) {
				s.StopReason = fmt.Sprintf("time: the step to %d subscriptions would take about %s, past the -budget of %s", target, est.Round(time.Second), c.budget)
				b.logf("ramp: %s", s.StopReason)
				break
			}
		}

		st := &stepResult{Phase: phase, TargetSubs: target, Limited: limited}
		b.logf("ramp: step %d subscriptions: adding %d %s ...", target, want, phase)
		u := stackprobe.StartUsage(b.cpuGroups(), nil)
		peak := b.sampleRouterPeak()
		t0 := time.Now()
		var err error
		if phase == "connections" {
			err = b.openConns(st, next, want, perShard, 0)
			next += want
		} else {
			err = b.addSubs(st, want)
		}
		if err != nil {
			peak()
			return err
		}
		took := time.Since(t0).Seconds()
		st.OpenSecs = round1(took)
		if took > 0 {
			rate = float64(st.Added) / took
			st.PerSecond = round1(rate)
		}
		p0 := time.Now()
		if err := b.probe(st, &round); err != nil {
			peak()
			return err
		}
		lastProbe = time.Since(p0)
		time.Sleep(c.settle)
		st.RouterPeakRSSMB = peak()
		st.CPU, st.MachineBusy = u.End()
		st.snapshot = b.snapshot(strconv.Itoa(st.Subs))
		conns, subs = st.Conns, st.Subs
		if subs > 0 {
			st.PerSubKB = round1((st.RouterRSSMB - s.RampBase.RouterRSSMB) * 1024 / float64(subs))
		}
		if subs > prevSubs {
			st.MarginalKB = round1((st.RouterRSSMB - prevRSS) * 1024 / float64(subs-prevSubs))
		}
		prevRSS, prevSubs = st.RouterRSSMB, subs
		b.res.Steps = append(b.res.Steps, st)
		b.logf("ramp: %d connections, %d subscriptions (%d live, %d failed); router %.0f MB RSS, %d goroutines, %d open files; probe p99 %.0f ms",
			st.Conns, st.Subs, st.Live, st.Failed, st.RouterRSSMB, st.Go.Goroutines, st.RouterFDs, st.ProbeP99MS)

		if st.Failed > 0 || st.Lost > 0 || st.Live < st.Subs || st.Bad > 0 {
			s.StopReason = fmt.Sprintf("the step to %d subscriptions failed: %d not added, %d connections lost, %d of %d subscriptions did not deliver, %d wrong events (%s)",
				target, st.Failed, st.Lost, st.Subs-st.Live, st.Subs, st.Bad, firstOf(st.FirstError, st.LostError))
			b.logf("ramp: %s", s.StopReason)
			break
		}
		if st.Live > s.MostSubs {
			s.MostSubs, s.MostConns = st.Live, st.Conns
		}
		if c.maxRSSMB > 0 && st.RouterRSSMB > float64(c.maxRSSMB) {
			s.StopReason = fmt.Sprintf("memory: the router's RSS %.0f MB passed -max-rss-mb %d", st.RouterRSSMB, c.maxRSSMB)
			break
		}
		if c.routerPID > 0 && stackprobe.RSS(c.routerPID) == 0 {
			s.StopReason = "the router exited"
			return nil
		}
		if phase == "connections" && limited != "" {
			connsFull = true
			if subs < target {
				si-- // reach this step with more subscriptions per connection
			}
		}
	}
	if s.StopReason == "" {
		s.StopReason = fmt.Sprintf("the last step (%d subscriptions) held", c.steps[len(c.steps)-1])
	}
	if connsFull && c.overshoot > 0 && c.routerPID > 0 {
		return b.overshoot(next, &round)
	}
	return nil
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// overshoot tries connections past the router's open-files limit, reports what they got,
// closes those that opened, and checks the subscriptions held still deliver.
func (b *bench) overshoot(next int, round *int64) error {
	c := b.c
	limit := b.res.Summary.RouterFDLimit
	room := limit - countFDs(c.routerPID)
	n := room + c.overshoot
	st := &stepResult{Phase: "overshoot", Limited: fmt.Sprintf("%d connections at once with %d open files left to the router (limit %d)", n, room, limit)}
	b.logf("overshoot: %d connections, %d past the router's open-files limit (5 s each) ...", n, c.overshoot)
	u := stackprobe.StartUsage(b.cpuGroups(), nil)
	t0 := time.Now()
	if err := b.openConns(st, next, n, 1<<30, 5*time.Second); err != nil {
		return err
	}
	st.OpenSecs = round1(time.Since(t0).Seconds())
	opened := st.Added
	fds := stackprobe.FDCount(c.routerPID)
	if err := b.probe(st, round); err != nil {
		return err
	}
	st.CPU, st.MachineBusy = u.End()
	st.snapshot = b.snapshot("overshoot")
	st.RouterFDs = max(st.RouterFDs, fds)
	b.res.Steps = append(b.res.Steps, st)
	b.logf("overshoot: %d opened, %d failed (%s); router at %d open files; %d of %d subscriptions delivered the probe",
		opened, st.Failed, st.FirstError, fds, st.Live, st.Subs)
	// Give the router back its headroom.
	per := (opened + len(b.shards) - 1) / len(b.shards)
	for _, sh := range b.shards {
		if _, err := sh.do(command{Op: "closelast", N: per}); err != nil {
			return err
		}
	}
	return nil
}

func (b *bench) startShards() error {
	c := b.c
	init := command{Op: "init", URL: b.wsURL(), Tokens: b.connTokens, Users: len(b.tokens), Concurrency: c.concurrency, Timeout: c.handshake}
	if c.workers == 0 {
		sh, err := newLocalShard(init)
		if err != nil {
			return err
		}
		b.shards = []shard{sh}
		return nil
	}
	for w := range c.workers {
		// Each worker dials from its own loopback address: its own 28k ephemeral ports.
		init.LocalIP = fmt.Sprintf("127.0.0.%d", 11+w)
		sh, err := newProcShard(init)
		if err != nil {
			return err
		}
		b.shards = append(b.shards, sh)
		b.gen = append(b.gen, sh.pid())
	}
	return nil
}

// closeShards ends the workers; each drops its connections without a close frame.
func (b *bench) closeShards() {
	var wg sync.WaitGroup
	for _, sh := range b.shards {
		wg.Add(1)
		go func() { defer wg.Done(); sh.close() }()
	}
	wg.Wait()
	b.shards = nil
}

// openConns opens n connections (global indexes from first), spread over the shards, each
// shard up to perShard; timeout 0 keeps the handshake timeout.
func (b *bench) openConns(st *stepResult, first, n, perShard int, timeout time.Duration) error {
	held := make([]int, len(b.shards))
	for i, sh := range b.shards {
		r, err := sh.do(command{Op: "count"})
		if err != nil {
			return err
		}
		held[i] = r.Conns
	}
	shares := make([]int, len(b.shards))
	left := n
	for left > 0 {
		moved := false
		for i := range shares {
			if left > 0 && held[i]+shares[i] < perShard {
				shares[i]++
				left--
				moved = true
			}
		}
		if !moved {
			break
		}
	}
	return b.fanOut(st, func(i int) command {
		cmd := command{Op: "open", First: first, N: shares[i], Timeout: timeout}
		for j := range i {
			cmd.First += shares[j]
		}
		return cmd
	})
}

// addSubs starts n more subscriptions on the open connections, spread over the shards by
// how many connections each holds.
func (b *bench) addSubs(st *stepResult, n int) error {
	held := make([]int, len(b.shards))
	total := 0
	for i, sh := range b.shards {
		r, err := sh.do(command{Op: "count"})
		if err != nil {
			return err
		}
		held[i] = r.Conns
		total += r.Conns
	}
	if total == 0 {
		return fmt.Errorf("no connection is open to add subscriptions to")
	}
	shares := make([]int, len(b.shards))
	given := 0
	for i := range shares {
		shares[i] = n * held[i] / total
		given += shares[i]
	}
	for i := 0; given < n; i = (i + 1) % len(shares) {
		if held[i] > 0 {
			shares[i]++
			given++
		}
	}
	return b.fanOut(st, func(i int) command { return command{Op: "addsubs", N: shares[i]} })
}

// fanOut sends each shard its command at once and sums the replies into st.
func (b *bench) fanOut(st *stepResult, cmdFor func(i int) command) error {
	replies := make([]reply, len(b.shards))
	errs := make([]error, len(b.shards))
	var wg sync.WaitGroup
	for i, sh := range b.shards {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := cmdFor(i)
			if cmd.N == 0 {
				replies[i], errs[i] = sh.do(command{Op: "count"})
				return
			}
			replies[i], errs[i] = sh.do(cmd)
		}()
	}
	wg.Wait()
	st.Conns, st.Subs = 0, 0
	for i, r := range replies {
		if errs[i] != nil {
			return errs[i]
		}
		st.Added += r.Opened
		st.Failed += r.Failed
		st.FirstError = firstOf(st.FirstError, r.FirstError)
		st.Conns += r.Conns
		st.Subs += r.Subs
	}
	return nil
}

// probe proves every subscription live and times a delivery to all of them. A write per
// ramp user at once (a round) must reach each of the user's subscriptions. The protocol does
// not acknowledge a subscription, and one the router has not set up yet when a write happens
// misses it, so while not every subscription has received a round and none received one for
// half a second, another round goes out, until -delivery-timeout. Then, unless the first round
// already reached everyone, one more round is timed with every subscription in place. st
// gets how many subscriptions were live, and the delivery times of the timed round.
func (b *bench) probe(st *stepResult, round *int64) error {
	c := b.c
	first := *round + 1
	deadline := time.Now().Add(c.delivery)
	var sent []int64
	for {
		*round++
		sent = b.probeWrites(st, *round)
		seen, subs, err := b.awaitRound(first, deadline, 500*time.Millisecond)
		if err != nil {
			return err
		}
		st.Live = seen
		if seen >= subs || !time.Now().Before(deadline) {
			break
		}
	}
	if *round != first && st.Live > 0 {
		*round++
		sent = b.probeWrites(st, *round)
		if _, _, err := b.awaitRound(*round, time.Now().Add(c.delivery), 0); err != nil {
			return err
		}
	}
	// Delivery times of the timed round, and what the shards hold now.
	var lat []time.Duration
	st.Conns, st.Subs, st.Lost, st.Bad, st.LostError = 0, 0, 0, 0, ""
	for _, sh := range b.shards {
		r, err := sh.do(command{Op: "count", Round: *round, Times: true})
		if err != nil {
			return err
		}
		st.Conns += r.Conns
		st.Subs += r.Subs
		st.Lost += r.Lost
		st.Bad += r.Bad
		st.LostError = firstOf(st.LostError, r.ConnError)
		for i, at := range r.At {
			if u := r.Users[i]; u >= 0 && u < len(sent) && sent[u] > 0 && at > 0 {
				lat = append(lat, time.Duration(at-sent[u]))
			}
		}
	}
	report.SortDurations(lat)
	st.ProbeP50MS, st.ProbeP99MS, st.ProbeMaxMS = ms(report.Percentile(lat, 0.5)), ms(report.Percentile(lat, 0.99)), ms(report.Percentile(lat, 1))
	return nil
}

// probeWrites writes the todo "probe-<round>-<user>" once per ramp user, 16 at a time, and returns
// when each was sent (Unix ns, by user).
func (b *bench) probeWrites(st *stepResult, round int64) []int64 {
	sent := make([]int64, len(b.tokens))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for u, tok := range b.tokens {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := b.cl.addTodo(context.Background(), tok, probeTitle(round, u), func() { sent[u] = time.Now().UnixNano() })
			if err != nil {
				mu.Lock()
				st.ProbeErrors++
				st.FirstError = firstOf(st.FirstError, "probe write: "+err.Error())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	st.ProbeWrites += len(b.tokens)
	return sent
}

// awaitRound waits until every subscription has seen round (or a later one), the deadline
// passes, or (stall > 0) the count has not grown for stall; it returns the count and the
// subscriptions held.
func (b *bench) awaitRound(round int64, deadline time.Time, stall time.Duration) (seen, subs int, err error) {
	last, grew := -1, time.Now()
	for {
		if seen, subs, err = b.countSeen(round); err != nil {
			return 0, 0, err
		}
		if seen > last {
			last, grew = seen, time.Now()
		}
		if seen >= subs || !time.Now().Before(deadline) || (stall > 0 && time.Since(grew) >= stall) {
			return seen, subs, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *bench) countSeen(round int64) (seen, subs int, err error) {
	for _, sh := range b.shards {
		r, err := sh.do(command{Op: "count", Round: round})
		if err != nil {
			return 0, 0, err
		}
		seen += r.Seen
		subs += r.Subs
	}
	return seen, subs, nil
}

// sampleRouterPeak samples the router's RSS every 100 ms until the returned function is
// called; that returns the peak in MB (0 without a router process id).
func (b *bench) sampleRouterPeak() func() float64 {
	s := stackprobe.SampleRSS(map[string]int{"router": b.c.routerPID}, 100*time.Millisecond)
	return func() float64 {
		peak, _ := s.Stop()
		return stackprobe.MB(peak["router"])
	}
}

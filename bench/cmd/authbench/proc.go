package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// statusKiB reads one "Name:   123 kB" field of /proc/<pid>/status, in bytes;
// 0 when the process or the field is gone.
func statusKiB(pid int, field string) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	key := []byte(field + ":")
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		if !bytes.HasPrefix(line, key) {
			continue
		}
		f := bytes.Fields(line[len(key):])
		if len(f) == 0 {
			return 0
		}
		n, err := strconv.ParseUint(string(f[0]), 10, 64)
		if err != nil {
			return 0
		}
		return n << 10
	}
	return 0
}

func vmRSS(pid int) uint64 { return statusKiB(pid, "VmRSS") }

// vmHWM is the process's peak resident memory since it started, or since
// resetHWM.
func vmHWM(pid int) uint64 { return statusKiB(pid, "VmHWM") }

// resetHWM sets VmHWM back to the current VmRSS (writing 5 to clear_refs), so
// that VmHWM afterwards is the peak of what follows. It needs the right to
// ptrace the process (same user).
func resetHWM(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// cpuTicks is the user plus system CPU time of a process, in clock ticks.
func cpuTicks(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after it start
	// after its closing parenthesis. utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseUint(string(f[11]), 10, 64)
	s, _ := strconv.ParseUint(string(f[12]), 10, 64)
	return u + s
}

// machineTicks returns the total and the idle (idle + iowait) ticks of all
// CPUs from /proc/stat.
func machineTicks() (total, idle uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	f := bytes.Fields(line)
	if len(f) < 6 || string(f[0]) != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(string(v), 10, 64)
		if i >= 8 { // guest time is already counted in user time
			break
		}
		total += n
		if i == 3 || i == 4 {
			idle += n
		}
	}
	return total, idle
}

// watched names the processes whose memory and CPU the benchmark reports.
type watched struct {
	auth, router int
}

// memSampler reads VmRSS of the watched processes every interval and keeps
// the peak since the last reset.
type memSampler struct {
	w    watched
	done chan struct{}
	wg   sync.WaitGroup

	mu         sync.Mutex
	authPeak   uint64
	routerPeak uint64
	samples    int
}

func startMemSampler(w watched, every time.Duration) *memSampler {
	s := &memSampler{w: w, done: make(chan struct{})}
	s.sample()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				s.sample()
			}
		}
	}()
	return s
}

func (s *memSampler) sample() {
	var a, r uint64
	if s.w.auth > 0 {
		a = vmRSS(s.w.auth)
	}
	if s.w.router > 0 {
		r = vmRSS(s.w.router)
	}
	s.mu.Lock()
	s.authPeak = max(s.authPeak, a)
	s.routerPeak = max(s.routerPeak, r)
	s.samples++
	s.mu.Unlock()
}

// reset starts a new peak from the current reading.
func (s *memSampler) reset() {
	s.mu.Lock()
	s.authPeak, s.routerPeak, s.samples = 0, 0, 0
	s.mu.Unlock()
	s.sample()
}

// peaks returns the peak VmRSS of auth and the router since the last reset,
// in bytes, and how many samples it is from.
func (s *memSampler) peaks() (auth, router uint64, samples int) {
	s.sample()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.authPeak, s.routerPeak, s.samples
}

func (s *memSampler) stop() {
	close(s.done)
	s.wg.Wait()
}

// named returns the CPU ticks of every process whose command name is one of
// names, by process id.
func named(names ...string) map[int]uint64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	out := map[int]uint64{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil {
			continue
		}
		if slices.Contains(names, string(bytes.TrimSpace(comm))) {
			out[pid] = cpuTicks(pid)
		}
	}
	return out
}

// usage is the CPU use of the watched processes, of PostgreSQL and Redis (all
// their processes on the machine, whoever they serve), of the load generator
// itself and of the whole machine over one phase.
type usage struct {
	at                   time.Time
	auth, router, self   uint64
	pg, redis            map[int]uint64
	machTotal, machIdle  uint64
	authPct, routerPct   float64
	pgPct, redisPct      float64
	selfPct, machBusyPct float64
}

func startUsage(w watched) usage {
	u := usage{at: time.Now(), self: cpuTicks(os.Getpid())}
	if w.auth > 0 {
		u.auth = cpuTicks(w.auth)
	}
	if w.router > 0 {
		u.router = cpuTicks(w.router)
	}
	u.pg = named("postgres")
	u.redis = named("redis-server")
	u.machTotal, u.machIdle = machineTicks()
	return u
}

// grown sums what each process used since before; a process that started in
// between counts whole, one that ended is lost.
func grown(before, after map[int]uint64) uint64 {
	var sum uint64
	for pid, t := range after {
		if b := before[pid]; t >= b {
			sum += t - b
		}
	}
	return sum
}

// end returns the percentages since u (100 % = one core; the machine's busy
// share is of all its cores).
func (u usage) end(w watched) usage {
	e := startUsage(w)
	secs := e.at.Sub(u.at).Seconds()
	pct := func(a, b uint64) float64 {
		if secs <= 0 || b < a {
			return 0
		}
		return round1(float64(b-a) / clockTicks / secs * 100)
	}
	if w.auth > 0 {
		u.authPct = pct(u.auth, e.auth)
	}
	if w.router > 0 {
		u.routerPct = pct(u.router, e.router)
	}
	u.selfPct = pct(u.self, e.self)
	u.pgPct = pct(0, grown(u.pg, e.pg))
	u.redisPct = pct(0, grown(u.redis, e.redis))
	if dt := e.machTotal - u.machTotal; e.machTotal > u.machTotal {
		busy := dt - (e.machIdle - u.machIdle)
		u.machBusyPct = round1(float64(busy) / float64(dt) * 100)
	}
	return u
}

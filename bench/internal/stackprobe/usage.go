package stackprobe

import (
	"maps"
	"sync"
	"time"
)

// Usage measures CPU time over an interval: per group of processes, in % of one core,
// and the machine's busy share of all its cores.
type Usage struct {
	at           time.Time
	pids         map[string][]int
	named        map[string]string
	ticks        map[string]map[int]uint64 // group → process → ticks at the start
	machT, machI uint64
}

// StartUsage starts measuring the CPU time of groups of processes. A group is either in
// pids, a fixed list of processes (one that ends in between is left out), or in named, a
// command name (see PIDsNamed): every process of that name at the start or at the end,
// so that one that started in between counts whole and one that ended is lost.
func StartUsage(pids map[string][]int, named map[string]string) *Usage {
	u := &Usage{at: time.Now(), pids: pids, named: named, ticks: map[string]map[int]uint64{}}
	for group, list := range pids {
		u.ticks[group] = ticksOf(list)
	}
	for group, comm := range named {
		u.ticks[group] = ticksOf(PIDsNamed(comm))
	}
	u.machT, u.machI = MachineTicks()
	return u
}

func ticksOf(pids []int) map[int]uint64 {
	m := make(map[int]uint64, len(pids))
	for _, pid := range pids {
		m[pid] = CPUTicks(pid)
	}
	return m
}

// End returns each group's CPU use since StartUsage in % of one core (rounded to one
// decimal), and the machine's busy % of all its cores.
func (u *Usage) End() (pct map[string]float64, machine float64) {
	secs := time.Since(u.at).Seconds()
	pct = map[string]float64{}
	add := func(group string, now map[int]uint64) {
		var sum uint64
		for pid, t := range now {
			if before := u.ticks[group][pid]; t >= before {
				sum += t - before
			}
		}
		if secs > 0 {
			pct[group] = round1(float64(sum) / ClockTicks / secs * 100)
		}
	}
	for group, list := range u.pids {
		add(group, ticksOf(list))
	}
	for group, comm := range u.named {
		add(group, ticksOf(PIDsNamed(comm)))
	}
	t, i := MachineTicks()
	if t > u.machT {
		dt := t - u.machT
		machine = round1(float64(dt-(i-u.machI)) / float64(dt) * 100)
	}
	return pct, machine
}

// RSSSampler reads the resident memory of some processes at a fixed interval and keeps
// the peak of each since it started or since the last Reset.
type RSSSampler struct {
	pids map[string]int
	quit chan struct{}
	done chan struct{}
	once sync.Once

	mu      sync.Mutex
	peak    map[string]uint64
	samples int
}

// SampleRSS starts reading the resident memory of pids (name → process; one not above 0
// reads as 0) now and then every interval, until Stop.
func SampleRSS(pids map[string]int, every time.Duration) *RSSSampler {
	s := &RSSSampler{pids: pids, peak: map[string]uint64{}, quit: make(chan struct{}), done: make(chan struct{})}
	s.read()
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-s.quit:
				return
			case <-t.C:
				s.read()
			}
		}
	}()
	return s
}

func (s *RSSSampler) read() {
	now := make(map[string]uint64, len(s.pids))
	for name, pid := range s.pids {
		now[name] = RSS(pid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, b := range now {
		s.peak[name] = max(s.peak[name], b)
	}
	s.samples++
}

// Reset starts new peaks from a reading now.
func (s *RSSSampler) Reset() {
	s.mu.Lock()
	clear(s.peak)
	s.samples = 0
	s.mu.Unlock()
	s.read()
}

// Peaks reads once more and returns the peak resident memory of each process since the
// start or the last Reset, in bytes, and how many readings that is from.
func (s *RSSSampler) Peaks() (map[string]uint64, int) {
	s.read()
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.peak), s.samples
}

// Stop ends the sampling (once; later calls only read) and returns Peaks.
func (s *RSSSampler) Stop() (map[string]uint64, int) {
	s.once.Do(func() {
		close(s.quit)
		<-s.done
	})
	return s.Peaks()
}

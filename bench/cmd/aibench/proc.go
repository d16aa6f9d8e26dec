package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// vmRSS is the resident memory of a process in bytes (0 when it is gone or unknown).
func vmRSS(pid int) uint64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmRSS:")); ok {
			f := bytes.Fields(rest)
			if len(f) == 0 {
				return 0
			}
			n, _ := strconv.ParseUint(string(f[0]), 10, 64)
			return n << 10
		}
	}
	return 0
}

// cpuTicks is the user plus system CPU time of a process, in clock ticks.
func cpuTicks(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; utime and stime are fields 14 and 15.
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

// machineTicks returns the total and the idle (idle + iowait) ticks of all CPUs.
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
		if i >= 8 { // guest time is already counted in user time
			break
		}
		n, _ := strconv.ParseUint(string(v), 10, 64)
		total += n
		if i == 3 || i == 4 {
			idle += n
		}
	}
	return total, idle
}

// pidsNamed returns the processes whose command name is name.
func pidsNamed(name string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && string(bytes.TrimSpace(comm)) == name {
			out = append(out, pid)
		}
	}
	return out
}

// usage measures CPU time over an interval: per group of processes, in % of one core,
// and the machine's busy share of all its cores.
type usage struct {
	at           time.Time
	groups       map[string][]int
	ticks        map[string]map[int]uint64
	machT, machI uint64
}

func startUsage(groups map[string][]int) *usage {
	u := &usage{at: time.Now(), groups: groups, ticks: map[string]map[int]uint64{}}
	for name, pids := range groups {
		m := map[int]uint64{}
		for _, pid := range pids {
			m[pid] = cpuTicks(pid)
		}
		u.ticks[name] = m
	}
	u.machT, u.machI = machineTicks()
	return u
}

// end returns each group's CPU use in % of one core since u, and the machine's busy %.
// A process that ended in between is left out.
func (u *usage) end() (pct map[string]float64, machine float64) {
	secs := time.Since(u.at).Seconds()
	pct = map[string]float64{}
	for name, pids := range u.groups {
		var sum uint64
		for _, pid := range pids {
			if t := cpuTicks(pid); t >= u.ticks[name][pid] {
				sum += t - u.ticks[name][pid]
			}
		}
		if secs > 0 {
			pct[name] = round1(float64(sum) / clockTicks / secs * 100)
		}
	}
	t, i := machineTicks()
	if t > u.machT {
		dt := t - u.machT
		machine = round1(float64(dt-(i-u.machI)) / float64(dt) * 100)
	}
	return pct, machine
}

// rssSampler reads the resident memory of some processes every interval and keeps the
// peak of each, until stop.
type rssSampler struct {
	pids map[string]int
	mu   sync.Mutex
	peak map[string]uint64
	quit chan struct{}
	done chan struct{}
}

func sampleRSS(pids map[string]int, every time.Duration) *rssSampler {
	s := &rssSampler{pids: pids, peak: map[string]uint64{}, quit: make(chan struct{}), done: make(chan struct{})}
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

func (s *rssSampler) read() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, pid := range s.pids {
		s.peak[name] = max(s.peak[name], vmRSS(pid))
	}
}

// stop ends the sampling and returns the peaks in MB.
func (s *rssSampler) stop() map[string]float64 {
	close(s.quit)
	<-s.done
	s.read()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]float64{}
	for name, b := range s.peak {
		out[name] = mb(b)
	}
	return out
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

func mb(b uint64) float64 { return round1(float64(b) / (1 << 20)) }

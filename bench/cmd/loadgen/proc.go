package main

import (
	"bytes"
	"os"
	"strconv"
	"sync"
	"time"
)

// procSampler samples, every interval, the resident memory of a process and
// all its descendants (the sum of VmRSS from /proc/<pid>/status), keeping the
// peak, and measures the CPU time the tree used between start and stop.
type procSampler struct {
	root     int
	done     chan struct{}
	wg       sync.WaitGroup
	started  time.Time
	cpuStart map[int]uint64
	cpus     []int             // the CPUs the root process may run on
	coreIdle map[int]coreTimes // /proc/stat of those CPUs at the start

	mu       sync.Mutex
	peakRSS  uint64
	maxProcs int
	lastCPU  map[int]uint64
}

type procSample struct {
	peakRSS    uint64 // bytes
	cpuPercent float64
	maxProcs   int
	// coreBusy is how busy the CPUs the process may run on were, from
	// anything: well above cpuPercent (for one CPU) means other processes
	// took CPU time from it.
	coreBusy float64
}

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

func startSampler(root int, every time.Duration) *procSampler {
	s := &procSampler{root: root, done: make(chan struct{}), started: time.Now()}
	s.cpuStart = cpuTimes(tree(root))
	s.cpus = cpusAllowed(root)
	s.coreIdle = readCoreTimes()
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

func (s *procSampler) sample() {
	pids := tree(s.root)
	var rss uint64
	for _, pid := range pids {
		rss += vmRSS(pid)
	}
	cpu := cpuTimes(pids)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.peakRSS = max(s.peakRSS, rss)
	s.maxProcs = max(s.maxProcs, len(pids))
	// Keep the last reading of each process so one that exits during the
	// measurement still counts with the CPU time it had used by then.
	if s.lastCPU == nil {
		s.lastCPU = map[int]uint64{}
	}
	for pid, t := range cpu {
		s.lastCPU[pid] = t
	}
}

func (s *procSampler) stop() procSample {
	close(s.done)
	s.wg.Wait()
	s.sample()
	elapsed := time.Since(s.started).Seconds()
	s.mu.Lock()
	defer s.mu.Unlock()
	var used uint64
	for pid, t := range s.lastCPU {
		if t >= s.cpuStart[pid] {
			used += t - s.cpuStart[pid]
		}
	}
	out := procSample{peakRSS: s.peakRSS, maxProcs: s.maxProcs}
	if elapsed > 0 {
		out.cpuPercent = float64(used) / clockTicks / elapsed * 100
	}
	end := readCoreTimes()
	var total, idle uint64
	for _, c := range s.cpus {
		a, b := s.coreIdle[c], end[c]
		if b.total > a.total {
			total += b.total - a.total
			idle += b.idle - a.idle
		}
	}
	if total > 0 {
		out.coreBusy = float64(total-idle) / float64(total) * 100
	}
	return out
}

type coreTimes struct{ total, idle uint64 }

// readCoreTimes reads the per-CPU lines of /proc/stat ("cpuN user nice system
// idle iowait irq softirq steal ..."); idle counts idle and iowait.
func readCoreTimes() map[int]coreTimes {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil
	}
	m := map[int]coreTimes{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) < 6 || !bytes.HasPrefix(f[0], []byte("cpu")) || len(f[0]) == 3 {
			continue
		}
		n, err := strconv.Atoi(string(f[0][3:]))
		if err != nil {
			continue
		}
		var t coreTimes
		for i, v := range f[1:] {
			x, _ := strconv.ParseUint(string(v), 10, 64)
			if i < 8 { // guest times are already inside user and nice
				t.total += x
			}
			if i == 3 || i == 4 {
				t.idle += x
			}
		}
		m[n] = t
	}
	return m
}

// cpusAllowed parses Cpus_allowed_list ("0", "1-3", "0,2-3") of pid.
func cpusAllowed(pid int) []int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil
	}
	i := bytes.Index(b, []byte("\nCpus_allowed_list:"))
	if i < 0 {
		return nil
	}
	line := b[i+len("\nCpus_allowed_list:"):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	var out []int
	for _, part := range bytes.Split(bytes.TrimSpace(line), []byte(",")) {
		lo, hi, isRange := bytes.Cut(part, []byte("-"))
		a, err := strconv.Atoi(string(lo))
		if err != nil {
			continue
		}
		z := a
		if isRange {
			if z, err = strconv.Atoi(string(hi)); err != nil {
				continue
			}
		}
		for c := a; c <= z; c++ {
			out = append(out, c)
		}
	}
	return out
}

type procStat struct {
	ppid int
	cpu  uint64 // utime + stime, in clock ticks
}

// readStat parses /proc/<pid>/stat. The command name (field 2) may hold spaces
// and parentheses, so fields are counted from its closing parenthesis.
func readStat(pid int) (procStat, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
	if len(f) < 13 {
		return procStat{}, false
	}
	ppid, _ := strconv.Atoi(string(f[1]))
	ut, _ := strconv.ParseUint(string(f[11]), 10, 64)
	st, _ := strconv.ParseUint(string(f[12]), 10, 64)
	return procStat{ppid: ppid, cpu: ut + st}, true
}

// tree returns root and every descendant of it that is alive now.
func tree(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readStat(pid); ok {
			children[st.ppid] = append(children[st.ppid], pid)
		}
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(root)); err != nil {
		return nil
	}
	out := []int{root}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out
}

func cpuTimes(pids []int) map[int]uint64 {
	m := make(map[int]uint64, len(pids))
	for _, pid := range pids {
		if st, ok := readStat(pid); ok {
			m[pid] = st.cpu
		}
	}
	return m
}

// vmRSS returns the VmRSS of pid in bytes (0 when it is gone).
func vmRSS(pid int) uint64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	i := bytes.Index(b, []byte("\nVmRSS:"))
	if i < 0 {
		return 0
	}
	line := b[i+len("\nVmRSS:"):]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	f := bytes.Fields(line) // "123456 kB"
	if len(f) == 0 {
		return 0
	}
	kb, _ := strconv.ParseUint(string(f[0]), 10, 64)
	return kb * 1024
}

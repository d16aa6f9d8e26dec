package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// vmRSS is the resident memory of a process in bytes (0 when it is gone).
func vmRSS(pid int) uint64 {
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

// fdCount is how many files (sockets included) a process has open; -1 when unknown.
func fdCount(pid int) int {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(entries)
}

// countFDs counts a process's open files where the ramp decides how many connections fit
// (a variable so that tests can stand in for a router).
var countFDs = fdCount

// fdLimit is the soft limit on open files of a process ("Max open files" in
// /proc/<pid>/limits); -1 when unknown, 0 when unlimited.
func fdLimit(pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	return parseFDLimit(f)
}

func parseFDLimit(r io.Reader) int {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "Max open files")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			return -1
		}
		if f[0] == "unlimited" {
			return 0
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			return -1
		}
		return n
	}
	return -1
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

// goStats is what the router's pprof endpoint tells about its Go runtime.
type goStats struct {
	Goroutines int     `json:"goroutines"`
	HeapInuse  uint64  `json:"heapInuse"` // after a forced GC: the live heap, rounded up to spans
	StackInuse uint64  `json:"stackInuse"`
	Sys        uint64  `json:"sys"` // everything the runtime obtained from the OS
	HeapObjs   uint64  `json:"heapObjects"`
	NumGC      uint64  `json:"numGC"`
	GCCPU      float64 `json:"gcCPUFraction"`
}

// pprofClient reads the router's net/http/pprof endpoint (PPROF_ADDR).
type pprofClient struct {
	base string // http://host:port
	http *http.Client
}

func (p *pprofClient) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: status %d", path, resp.StatusCode)
	}
	return b, nil
}

// stats reads the goroutine count and, after a forced GC, the memory statistics. The GC
// runs in the router; read its RSS before calling this.
func (p *pprofClient) stats(ctx context.Context) (goStats, []byte, []byte, error) {
	var s goStats
	gor, err := p.get(ctx, "/debug/pprof/goroutine?debug=1")
	if err != nil {
		return s, nil, nil, err
	}
	if s.Goroutines, err = parseGoroutineTotal(gor); err != nil {
		return s, nil, nil, err
	}
	heapText, err := p.get(ctx, "/debug/pprof/heap?gc=1&debug=1")
	if err != nil {
		return s, gor, nil, err
	}
	parseMemStats(heapText, &s)
	heap, err := p.get(ctx, "/debug/pprof/heap")
	if err != nil {
		return s, gor, nil, err
	}
	return s, gor, heap, nil
}

// parseGoroutineTotal reads "goroutine profile: total N" from goroutine?debug=1.
func parseGoroutineTotal(b []byte) (int, error) {
	line, _, _ := bytes.Cut(b, []byte{'\n'})
	rest, ok := bytes.CutPrefix(line, []byte("goroutine profile: total "))
	if !ok {
		return 0, fmt.Errorf("not a goroutine profile: %.60q", line)
	}
	return strconv.Atoi(string(bytes.TrimSpace(rest)))
}

// parseMemStats reads the "# runtime.MemStats" lines of heap?debug=1.
func parseMemStats(b []byte, s *goStats) {
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		rest, ok := bytes.CutPrefix(line, []byte("# "))
		if !ok {
			continue
		}
		name, val, ok := bytes.Cut(rest, []byte(" = "))
		if !ok {
			continue
		}
		f := bytes.Fields(val)
		if len(f) == 0 {
			continue
		}
		first := string(f[0])
		n, _ := strconv.ParseUint(first, 10, 64)
		switch string(name) {
		case "HeapInuse":
			s.HeapInuse = n
		case "Stack":
			s.StackInuse = n // "# Stack = inuse / sys"
		case "Sys":
			s.Sys = n
		case "HeapObjects":
			s.HeapObjs = n
		case "NumGC":
			s.NumGC = n
		case "GCCPUFraction":
			s.GCCPU, _ = strconv.ParseFloat(first, 64)
		}
	}
}

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

func mb(b uint64) float64 { return round1(float64(b) / (1 << 20)) }

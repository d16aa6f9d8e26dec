// Package stackprobe reads what the benchmark programs report about the processes of the
// stack under test from /proc: resident memory (now, sampled peaks, the kernel's
// high-water mark), CPU time per process and group of processes, how busy the whole
// machine is, and open files. Linux only; a process that is gone reads as 0.
package stackprobe

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// ClockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat: 100 on every
// Linux architecture Go supports.
const ClockTicks = 100

// statusBytes reads one "Name:   123 kB" field of /proc/<pid>/status, in bytes; 0 when
// the process or the field is gone.
func statusBytes(pid int, field string) uint64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	key := []byte(field + ":")
	for line := range bytes.SplitSeq(b, []byte{'\n'}) {
		rest, ok := bytes.CutPrefix(line, key)
		if !ok {
			continue
		}
		f := bytes.Fields(rest)
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

// RSS is the resident memory of a process (VmRSS) in bytes; 0 when it is gone or pid is
// not above 0.
func RSS(pid int) uint64 { return statusBytes(pid, "VmRSS") }

// HWM is the peak resident memory of a process (VmHWM) since it started, or since
// ResetHWM, in bytes.
func HWM(pid int) uint64 { return statusBytes(pid, "VmHWM") }

// ResetHWM sets VmHWM back to the current VmRSS (writing 5 to clear_refs), so that HWM
// afterwards is the peak of what follows. It needs the right to ptrace the process (same
// user).
func ResetHWM(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// MB is a number of bytes in MiB, rounded to one decimal.
func MB(b uint64) float64 { return round1(float64(b) / (1 << 20)) }

func round1(x float64) float64 { return float64(int64(x*10+0.5)) / 10 }

// CPUTicks is the user plus system CPU time of a process, in clock ticks; 0 when it is
// gone.
func CPUTicks(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces; the fields after it start after its
	// closing parenthesis. utime and stime are fields 14 and 15.
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

// MachineTicks returns the total and the idle (idle + iowait) clock ticks of all CPUs
// from /proc/stat.
func MachineTicks() (total, idle uint64) {
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

// PIDsNamed returns the processes whose command name (/proc/<pid>/comm, at most 15
// bytes) is name.
func PIDsNamed(name string) []int {
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

// FDCount is how many files (sockets included) a process has open; -1 when unknown.
func FDCount(pid int) int {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return -1
	}
	return len(entries)
}

// FDLimit is the soft limit on open files of a process ("Max open files" in
// /proc/<pid>/limits); -1 when unknown, 0 when unlimited.
func FDLimit(pid int) int {
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

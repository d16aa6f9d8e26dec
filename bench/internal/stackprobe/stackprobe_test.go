package stackprobe

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as a child process that burns CPU time
// (STACKPROBE_SPIN=1): see TestUsageCountsNamedProcessesStartedInBetween.
func TestMain(m *testing.M) {
	if os.Getenv("STACKPROBE_SPIN") == "1" {
		// 200 ms of CPU time, however long that takes on a busy machine.
		// Then it says so and lives on until its stdin ends.
		for start := CPUTicks(os.Getpid()); CPUTicks(os.Getpid()) < start+20; {
		}
		fmt.Println("spun")
		_, _ = io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const gone = 1 << 30 // no process has this id

func TestReadersSeeThisProcess(t *testing.T) {
	pid := os.Getpid()
	if rss := RSS(pid); rss < 1<<20 {
		t.Errorf("RSS of this process = %d bytes, want at least 1 MiB", rss)
	}
	if hwm := HWM(pid); hwm < RSS(pid)/2 {
		t.Errorf("HWM %d is below the resident memory %d", hwm, RSS(pid))
	}
	if n := FDCount(pid); n < 3 {
		t.Errorf("FDCount = %d, want at least stdin, stdout and stderr", n)
	}
	if n := FDLimit(pid); n < 0 {
		t.Errorf("FDLimit = %d", n)
	}
	if total, idle := MachineTicks(); total == 0 || idle > total {
		t.Errorf("MachineTicks = %d total, %d idle", total, idle)
	}
	if RSS(gone) != 0 || RSS(0) != 0 || RSS(-1) != 0 || HWM(gone) != 0 || CPUTicks(gone) != 0 {
		t.Error("a process that does not exist has memory or CPU time")
	}
	if FDCount(gone) != -1 || FDLimit(gone) != -1 {
		t.Error("a process that does not exist has open files or a limit")
	}
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range PIDsNamed(string(bytes.TrimSpace(comm))) {
		found = found || p == pid
	}
	if !found {
		t.Errorf("PIDsNamed(%q) does not list this process (%d)", bytes.TrimSpace(comm), pid)
	}
}

func TestParseFDLimit(t *testing.T) {
	head := "Limit                     Soft Limit           Hard Limit           Units     \n"
	for text, want := range map[string]int{
		head + "Max open files            20000                20000                files     \n": 20000,
		head + "Max open files            unlimited            unlimited            files     \n": 0,
		head + "Max processes             100                  100                  processes \n": -1,
		"Max open files\n": -1,
		"Max open files            many                 many                 files     \n": -1,
	} {
		if got := parseFDLimit(strings.NewReader(text)); got != want {
			t.Errorf("parseFDLimit(%q) = %d, want %d", text, got, want)
		}
	}
}

func TestResetHWMStartsANewPeak(t *testing.T) {
	pid := os.Getpid()
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = 1
	}
	runtime.KeepAlive(big)
	big = nil
	debug.FreeOSMemory() // the 64 MiB leave the resident memory; VmHWM keeps them
	if err := ResetHWM(pid); err != nil {
		t.Skipf("cannot reset VmHWM here: %v", err)
	}
	// Right after a reset the high-water mark is the resident memory, give or take what
	// the runtime touched in between.
	if hwm, rss := HWM(pid), RSS(pid); hwm > rss+16<<20 {
		t.Errorf("after ResetHWM, HWM %d MiB stays above RSS %d MiB", hwm>>20, rss>>20)
	}
}

func TestUsageMeasuresABusyLoop(t *testing.T) {
	pid := os.Getpid()
	u := StartUsage(map[string][]int{"me": {pid}, "nobody": {gone}}, nil)
	for end := time.Now().Add(150 * time.Millisecond); time.Now().Before(end); {
	}
	pct, machine := u.End()
	if pct["me"] < 20 || pct["me"] > 110 {
		t.Errorf("150 ms of busy loop measured as %.1f %% of a core, want most of one", pct["me"])
	}
	if n, ok := pct["nobody"]; !ok || n != 0 {
		t.Errorf("a process that does not exist used %.1f %% (reported: %v)", n, ok)
	}
	if machine <= 0 || machine > 100 {
		t.Errorf("machine busy %.1f %%, want within (0, 100]", machine)
	}
}

// A named group counts the processes that started after StartUsage; a fixed list of the
// same processes at the start does not.
func TestUsageCountsNamedProcessesStartedInBetween(t *testing.T) {
	comm, err := os.ReadFile("/proc/self/comm")
	if err != nil {
		t.Fatal(err)
	}
	name := string(bytes.TrimSpace(comm))
	t0 := time.Now()
	u := StartUsage(map[string][]int{"fixed": PIDsNamed(name)}, map[string]string{"named": name})
	child := exec.Command(os.Args[0], "-test.run=^$")
	child.Env = append(os.Environ(), "STACKPROBE_SPIN=1")
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	defer child.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if line != "spun\n" {
		t.Fatalf("the child said %q (%v), want spun", line, err)
	}
	pct, _ := u.End() // the child still lives
	wall := time.Since(t0).Seconds()
	// CPU seconds, from the % of a core over at most the test's wall time.
	named, fixed := pct["named"]/100*wall, pct["fixed"]/100*wall
	if named < 0.15 {
		t.Errorf("the named group used %.3f s of CPU; the child alone burnt 0.2 s", named)
	}
	if fixed > 0.1 {
		t.Errorf("the fixed group used %.3f s of CPU; it holds only this (waiting) process", fixed)
	}
}

func TestRSSSamplerSeesAnAllocation(t *testing.T) {
	pid := os.Getpid()
	s := SampleRSS(map[string]int{"me": pid, "none": 0}, time.Millisecond)
	defer s.Stop()
	s.Reset()
	before, _ := s.Peaks()
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = 1
	}
	time.Sleep(20 * time.Millisecond)
	after, n := s.Stop()
	runtime.KeepAlive(big)
	if after["me"] < before["me"]+48<<20 {
		t.Errorf("peak %d MiB after touching 64 MiB, %d MiB before (%d samples)", after["me"]>>20, before["me"]>>20, n)
	}
	if n < 2 {
		t.Errorf("%d samples since the reset, want the reset's and Stop's at least", n)
	}
	if v, ok := after["none"]; !ok || v != 0 {
		t.Errorf("process 0: %d bytes (reported: %v)", v, ok)
	}
	if again, _ := s.Stop(); again["me"] < after["me"] {
		t.Errorf("a second Stop lost the peak: %d < %d", again["me"], after["me"])
	}
}

func TestMB(t *testing.T) {
	if MB(0) != 0 || MB(1<<20) != 1 || MB(3<<19) != 1.5 || MB(1<<20+1<<10) != 1 {
		t.Errorf("MB: %v %v %v %v", MB(0), MB(1<<20), MB(3<<19), MB(1<<20+1<<10))
	}
}

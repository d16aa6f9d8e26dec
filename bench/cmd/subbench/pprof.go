package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

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

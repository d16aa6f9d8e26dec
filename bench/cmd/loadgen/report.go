package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// The report mode (`loadgen -report results.jsonl`) turns the JSON lines of a
// `make bench-router` run into the comparison table. Each line is a result
// whose label is "<gateway>:<phase>", phase being closed, open, single-router
// or single-direct. The first gateway label seen is ours; each other gateway
// is a peer, and the ratio columns are ours divided by that peer.

type entry struct {
	gateway, phase string
	r              result
}

func readResults(path string) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var r result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		gw, phase, ok := strings.Cut(r.Label, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: label %q is not <gateway>:<phase>", path, n, r.Label)
		}
		out = append(out, entry{gw, phase, r})
	}
	return out, sc.Err()
}

func find(es []entry, gw, phase string) *result {
	for i := range es {
		if es[i].gateway == gw && es[i].phase == phase {
			return &es[i].r
		}
	}
	return nil
}

// writeReport prints Markdown tables (readable as plain text too) and returns
// the number of incorrect responses over all runs.
func writeReport(w io.Writer, es []entry) int64 {
	var gateways []string
	seen := map[string]bool{}
	for _, e := range es {
		if (e.phase == "closed" || e.phase == "open") && !seen[e.gateway] {
			seen[e.gateway] = true
			gateways = append(gateways, e.gateway)
		}
	}
	var incorrect int64
	for _, e := range es {
		incorrect += e.r.Errors
	}
	ours := ""
	if seen["ours"] {
		ours = "ours"
	} else if len(gateways) > 0 {
		ours = gateways[0]
	}

	for _, phase := range []string{"closed", "open"} {
		var rows []*result
		var names []string
		for _, gw := range gateways {
			if r := find(es, gw, phase); r != nil {
				rows = append(rows, r)
				names = append(names, gw)
			}
		}
		if len(rows) == 0 {
			continue
		}
		if phase == "closed" {
			fmt.Fprintf(w, "Closed model: %d concurrent clients in a loop, %.0f s measured\n\n", rows[0].Concurrency, rows[0].DurationS)
		} else {
			fmt.Fprintf(w, "Open model: fixed arrival rate %g/s, up to %d in flight, %.0f s measured\n\n", rows[0].TargetRate, rows[0].Concurrency, rows[0].DurationS)
		}
		fmt.Fprintln(w, "| gateway | rps | p50 ms | p95 ms | p99 ms | errors | dropped | peak MB | CPU % gateway / its core | ours÷peer rps | ours÷peer p95 | ours÷peer memory |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		o := find(es, ours, phase)
		for i, r := range rows {
			ratios := "— | — | —"
			if names[i] != ours && o != nil {
				ratios = fmt.Sprintf("%s | %s | %s", ratio(o.RPS, r.RPS), ratio(o.P95MS, r.P95MS), ratio(o.PeakRSSMB, r.PeakRSSMB))
			}
			fmt.Fprintf(w, "| %s | %.1f | %.2f | %.2f | %.2f | %d | %d | %.0f | %.0f / %.0f | %s |\n",
				names[i], r.RPS, r.P50MS, r.P95MS, r.P99MS, r.Errors, r.Dropped, r.PeakRSSMB, r.CPUPercent, r.CoreBusy, ratios)
		}
		fmt.Fprintln(w)
	}

	router, direct := find(es, ours, "single-router"), find(es, ours, "single-direct")
	if router != nil && direct != nil {
		fmt.Fprintf(w, "Router overhead (single-subgraph query, router with query deduplication off, closed model, %d clients): through %s %.1f rps (p95 %.2f ms, errors %d), straight to the subgraph %.1f rps (p95 %.2f ms, errors %d): router÷direct rps = %s, p95 = %s\n",
			router.Concurrency, ours, router.RPS, router.P95MS, router.Errors, direct.RPS, direct.P95MS, direct.Errors,
			ratio(router.RPS, direct.RPS), ratio(router.P95MS, direct.P95MS))
		fmt.Fprintln(w)
	}

	for _, e := range es {
		if e.r.Errors > 0 {
			fmt.Fprintf(w, "INCORRECT: %s %s: %d of %d responses; first: %s\n", e.gateway, e.phase, e.r.Errors, e.r.Requests, e.r.FirstError)
		}
		if e.phase == "open" && e.r.Dropped > 0 {
			fmt.Fprintf(w, "NOTE: %s could not keep up with %g/s: %d arrivals dropped (%d in flight already)\n", e.gateway, e.r.TargetRate, e.r.Dropped, e.r.Concurrency)
		}
		if e.phase == "open" && e.r.Late > 0 {
			fmt.Fprintf(w, "NOTE: %s open model: %d requests started late (load generator behind schedule)\n", e.gateway, e.r.Late)
		}
	}
	return incorrect
}

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func report(path string) int {
	es, err := readResults(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen -report:", err)
		return 2
	}
	if writeReport(os.Stdout, es) > 0 {
		return 1
	}
	return 0
}

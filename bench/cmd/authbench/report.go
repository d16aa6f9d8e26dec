package main

import (
	"fmt"
	"io"
)

// printTable writes the results as markdown: the steady-rate phases, the
// burst, and notes on anything that makes a number less than it seems.
func printTable(w io.Writer, results []*result) {
	fmt.Fprintln(w, "Steady rate (open model: requests arrive on schedule whatever the latency; latency from the scheduled time)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| operation | target /s | achieved /s | requests | errors | dropped | late | p50 ms | p95 ms | p99 ms | max ms | CPU % auth / router / PostgreSQL / Redis / load generator | machine busy % | peak RSS MB auth / router |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	var notes []string
	for _, r := range results {
		if r.Model != "open" {
			continue
		}
		fmt.Fprintf(w, "| %s | %g | %.1f | %d | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %s | %.0f | %.0f / %.0f |\n",
			r.Phase, r.TargetRate, r.RPS, r.Requests, r.Errors, r.Dropped, r.Late,
			r.P50MS, r.P95MS, r.P99MS, r.MaxMS, cpu(r), r.MachineBusy,
			r.AuthPeakRSSMB, r.RouterPeakRSSMB)
		if r.RPS < 0.9*r.TargetRate {
			notes = append(notes, fmt.Sprintf("%s: achieved %.1f/s of the %g/s asked for", r.Phase, r.RPS, r.TargetRate))
		}
		if r.Late > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d of %d requests started late (the load generator was behind schedule; their wait is in the latency)", r.Phase, r.Late, r.Requests))
		}
		if r.Dropped > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d arrivals dropped (all in-flight slots busy)", r.Phase, r.Dropped))
		}
	}
	for _, r := range results {
		if r.Model != "burst" {
			continue
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Burst: %d logins fired at once; VmRSS sampled every 10 ms (%d samples); VmHWM over the %s\n", r.Concurrency, r.RSSSamples, r.HWMScope)
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| logins | wall s | errors | p50 ms | p95 ms | p99 ms | max ms | auth RSS MB before → peak (VmHWM) | router RSS MB before → peak (VmHWM) | CPU % auth / router / PostgreSQL / Redis / load generator | machine busy % |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		fmt.Fprintf(w, "| %d | %.2f | %d | %.2f | %.2f | %.2f | %.2f | %.1f → %.1f (%.1f) | %.1f → %.1f (%.1f) | %s | %.0f |\n",
			r.Concurrency, r.DurationS, r.Errors, r.P50MS, r.P95MS, r.P99MS, r.MaxMS,
			r.AuthRSSBeforeMB, r.AuthPeakRSSMB, r.AuthHWMMB,
			r.RouterRSSBeforeMB, r.RouterPeakRSSMB, r.RouterHWMMB,
			cpu(r), r.MachineBusy)
	}
	for _, r := range results {
		if r.Errors > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d errors; the first: %s", r.Phase, r.Errors, r.FirstError))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, "NOTE:", n)
		}
	}
}

// cpu is the CPU use of the processes in the path, each in % of one core.
func cpu(r *result) string {
	return fmt.Sprintf("%.0f / %.0f / %.0f / %.0f / %.0f", r.AuthCPUPercent, r.RouterCPUPercent,
		r.PostgresCPUPercent, r.RedisCPUPercent, r.LoadgenCPUPercent)
}

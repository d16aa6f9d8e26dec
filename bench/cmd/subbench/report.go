package main

import (
	"fmt"
	"io"

	"fedstack/bench/internal/stackprobe"
)

// Goals of issue 5.
const (
	goalSubs  = 20000
	goalRSSMB = 500
	goalP99MS = 100
)

// printTables writes the results as markdown: the latency phase, the ramp, and the goals.
func printTables(w io.Writer, res *results) {
	s := res.Summary
	if l := res.Latency; l != nil {
		tokens := "all with the same access token"
		if n := min(s.TokensPerUser, l.Subscribers); n > 1 {
			tokens = fmt.Sprintf("over %d sessions of the user, each with its own access token", n)
		}
		fmt.Fprintf(w, "Latency: %d subscribers of one user (one websocket and one subscription each, %s), %d addTodo writes at %g/s through the router (after %d warm-up writes that proved the subscribers live); time from sending a write to each subscriber receiving it\n\n",
			l.Subscribers, tokens, l.Writes, l.Rate, l.WarmWrites)
		fmt.Fprintln(w, "| subscribers live | writes (failed) | deliveries | missing | p50 ms | p95 ms | p99 ms | max ms | last subscriber p50 / p99 / max ms | write answered p50 / p99 ms | CPU % router / todos / Redis / generator | machine busy % |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		fmt.Fprintf(w, "| %d of %d | %d (%d) | %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f / %.1f / %.1f | %.1f / %.1f | %s | %.0f |\n",
			l.Live, l.Subscribers, l.Writes, l.WriteErrors, l.Deliveries, l.Missing,
			l.P50MS, l.P95MS, l.P99MS, l.MaxMS, l.AllP50MS, l.AllP99MS, l.AllMaxMS,
			l.WriteP50MS, l.WriteP99MS, cpu(l.CPU), l.MachineBusy)
		fmt.Fprintln(w)
	}
	if len(res.Steps) > 0 {
		tokens := "one access token per user, shared by all its connections"
		if s.TokensPerUser > 1 {
			tokens = fmt.Sprintf("%d sessions per user, each with its own access token, used in turn", s.TokensPerUser)
		}
		fmt.Fprintf(w, "Idle subscriptions held by one router: %d users (%s), connection k is user k mod %d; each step proven live by one write per user (every subscription must receive it); memory read from /proc a few seconds after the step\n\n",
			s.Users, tokens, s.Users)
		fmt.Fprintln(w, "| step | subscriptions (live) | connections | not added | router RSS MB (peak) | router KB per subscription: over base / marginal | router Go heap / stacks MB | router goroutines | router open files | todos RSS MB / open files | generator RSS MB | added /s | probe delivery p50 / p99 / max ms | CPU % router / todos / Redis / generator | machine busy % |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		fmt.Fprintf(w, "| base (after the latency phase) | 0 | 0 | — | %.0f | — | %.1f / %.1f | %d | %d | %.0f / %d | %.0f | — | — | — | — |\n",
			s.RampBase.RouterRSSMB, stackprobe.MB(s.RampBase.Go.HeapInuse), stackprobe.MB(s.RampBase.Go.StackInuse), s.RampBase.Go.Goroutines,
			s.RampBase.RouterFDs, s.RampBase.TodosRSSMB, s.RampBase.TodosFDs, s.RampBase.GeneratorRSSMB)
		for _, st := range res.Steps {
			name, rss, perSub, rate := stepName(st), fmt.Sprintf("%.0f (%.0f)", st.RouterRSSMB, st.RouterPeakRSSMB),
				fmt.Sprintf("%.1f / %.1f", st.PerSubKB, st.MarginalKB), fmt.Sprintf("%.0f", st.PerSecond)
			if st.Phase == "overshoot" {
				rss, perSub, rate = fmt.Sprintf("%.0f", st.RouterRSSMB), "—", "—"
			}
			fmt.Fprintf(w, "| %s | %d (%d) | %d | %d | %s | %s | %.1f / %.1f | %d | %d | %.0f / %d | %.0f | %s | %.0f / %.0f / %.0f | %s | %.0f |\n",
				name, st.Subs, st.Live, st.Conns, st.Failed, rss, perSub,
				stackprobe.MB(st.Go.HeapInuse), stackprobe.MB(st.Go.StackInuse), st.Go.Goroutines,
				st.RouterFDs, st.TodosRSSMB, st.TodosFDs, st.GeneratorRSSMB, rate,
				st.ProbeP50MS, st.ProbeP99MS, st.ProbeMaxMS, cpu(st.CPU), st.MachineBusy)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "Router at rest after the signups: %.0f MB RSS, %d goroutines, %d open files. Open-files limit: router %d, load generator %d per process (%d workers).\n",
			s.Idle.RouterRSSMB, s.Idle.Go.Goroutines, s.Idle.RouterFDs, s.RouterFDLimit, s.GeneratorFDLimit, s.Workers)
		fmt.Fprintf(w, "Most held and live: %d subscriptions on %d connections. The ramp ended: %s.\n", s.MostSubs, s.MostConns, s.StopReason)
		if d := s.AfterDrop; d.RouterRSSMB > 0 {
			fmt.Fprintf(w, "After every ramp client dropped its connection without a close frame (%s later): router %.0f MB RSS, %d goroutines, Go heap %.1f MB, %d open files (%d after a forced GC; %d before the ramp).\n",
				"a few seconds", d.RouterRSSMB, d.Go.Goroutines, stackprobe.MB(d.Go.HeapInuse), d.RouterFDs, d.RouterFDsAfterGC, s.RampBase.RouterFDs)
		}
		for _, st := range res.Steps {
			if st.Limited != "" {
				fmt.Fprintf(w, "NOTE: %s: %s\n", stepName(st), st.Limited)
			}
			if st.FirstError != "" {
				fmt.Fprintf(w, "NOTE: %s: %d not added; the first failure: %s\n", stepName(st), st.Failed, st.FirstError)
			}
			if st.LostError != "" {
				fmt.Fprintf(w, "NOTE: %s: %d connections lost, %d wrong events: %s\n", stepName(st), st.Lost, st.Bad, st.LostError)
			}
		}
		fmt.Fprintln(w, "NOTE: a probe is one write per user at once (a burst), each delivered to all of that user's subscriptions; its delivery times are not the latency phase's")
		fmt.Fprintln(w)
	}
	printGoals(w, res)
}

func stepName(st *stepResult) string {
	if st.Phase == "overshoot" {
		return "overshoot"
	}
	return fmt.Sprintf("%d %s", st.TargetSubs, st.Phase)
}

// printGoals compares with the goals of issue 5.
func printGoals(w io.Writer, res *results) {
	fmt.Fprintln(w, "Against the goals of issue 5")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| goal | measured | ratio (measured ÷ goal) |")
	fmt.Fprintln(w, "|---|---|---:|")
	var at *stepResult
	for _, st := range res.Steps {
		if st.Phase != "overshoot" && st.Live >= goalSubs && st.Live == st.Subs && at == nil {
			at = st
		}
	}
	switch {
	case at != nil:
		fmt.Fprintf(w, "| %d idle subscriptions under %d MB on one router | %.0f MB RSS with %d subscriptions on %d connections | %.2f |\n",
			goalSubs, goalRSSMB, at.RouterRSSMB, at.Subs, at.Conns, at.RouterRSSMB/goalRSSMB)
	default:
		var top *stepResult
		for _, st := range res.Steps {
			if st.Phase == "connections" && st.Live == st.Subs && st.Subs > 0 {
				top = st
			}
		}
		if top != nil {
			est := res.Summary.RampBase.RouterRSSMB + top.PerSubKB*goalSubs/1024
			fmt.Fprintf(w, "| %d idle subscriptions under %d MB on one router | not reached (most: %d); at %.1f KB each (measured at %d), %d would take about %.0f MB | %.2f (estimate) |\n",
				goalSubs, goalRSSMB, res.Summary.MostSubs, top.PerSubKB, top.Subs, goalSubs, est, est/goalRSSMB)
		} else {
			fmt.Fprintf(w, "| %d idle subscriptions under %d MB on one router | no step held | — |\n", goalSubs, goalRSSMB)
		}
	}
	if l := res.Latency; l != nil {
		fmt.Fprintf(w, "| p99 write → delivery under %d ms for %d subscribers | p99 %.1f ms (p50 %.1f ms), %d of %d deliveries missing | %.2f |\n",
			goalP99MS, l.Subscribers, l.P99MS, l.P50MS, l.Missing, l.Expected, l.P99MS/goalP99MS)
	}
}

// cpu lists the CPU use of the processes in the path, each in % of one core.
func cpu(m map[string]float64) string {
	return fmt.Sprintf("%.0f / %.0f / %.0f / %.0f", m["router"], m["todos"], m["redis"], m["generator"])
}

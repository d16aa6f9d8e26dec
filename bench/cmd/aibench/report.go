package main

import (
	"fmt"
	"io"
)

// Goals of issue 6, at p95.
const (
	goalFirstMS = 25.0 // added before the first chunk reaches the client
	goalChunkMS = 5.0  // added per chunk
)

// printTables writes the results as markdown: the added times, where they go, the
// processes, and the goals.
func printTables(w io.Writer, res *results) {
	s := res.Summary
	fmt.Fprintf(w, "AI streaming: %d users, each with one websocket to the router; the model (an OpenAI-protocol server in the load generator) answers every chat after %g ms with %d chunks %g ms apart. A chat: sendMessage through the router (a new conversation), then messageStream on the user's websocket until done. Added = what the stack adds to the model's own times (same clock for model and client). Chats: one at a time; N at once = N sent at the same moment, in rounds (a burst); N in flight = N users each running chats in a row, their starts spread evenly over one answer's time (steady load; each user's first and last chat not measured)\n\n",
		s.Users, s.TTFTMS, s.Chunks, s.ChunkIntervalMS)
	fmt.Fprintln(w, "| chats | chats completed (failed) | added before the first chunk p50 / p95 / p99 / max ms | added per chunk p50 / p95 / p99 / max ms | chunks measured |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|")
	for _, ph := range res.Phases {
		fmt.Fprintf(w, "| %s | %d (%d) | %s | %s | %d |\n", atOnce(ph), ph.Completed, ph.Failed, pct4(ph.AddedFirst), pct4(ph.PerChunk), ph.PerChunk.N)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Where the time goes (p50 / p95 ms): sendMessage answered; message sent → model request received; model's first chunk sent → received by the client; model's last event → done received; whole chat; the model's own time to first token")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| chats | sendMessage | sent → model request | first chunk delivery | model end → done | whole chat | model TTFT |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|")
	for _, ph := range res.Phases {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", atOnce(ph), pct2(ph.Mutation), pct2(ph.ToProvider),
			pct2(ph.FirstDelivery), pct2(ph.DoneAfter), pct2(ph.Total), pct2(ph.ModelTTFT))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Processes during each phase: CPU in % of one core (PostgreSQL: all its processes, whoever they serve), and per chunk the model sent in the phase (µs; the chats' other work included); resident memory in MB before / peak / after")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| chats | seconds | model chunks/s | CPU % router / ai / Redis / PostgreSQL / aibench | CPU µs per chunk router / ai / Redis / PostgreSQL | machine busy % | router RSS MB | ai RSS MB |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, ph := range res.Phases {
		u := ph.CPUPerChunkUS
		fmt.Fprintf(w, "| %s | %.1f | %.0f | %.0f / %.0f / %.0f / %.0f / %.0f | %.0f / %.0f / %.0f / %.0f | %.0f | %s | %s |\n", atOnce(ph), ph.Seconds,
			ph.ChunksPerSecond, ph.CPU["router"], ph.CPU["ai"], ph.CPU["redis"], ph.CPU["postgres"], ph.CPU["aibench"],
			u["router"], u["ai"], u["redis"], u["postgres"], ph.MachineBusy, rssTriple(ph, "router"), rssTriple(ph, "ai"))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "At rest after the signups: router %.0f MB, ai %.0f MB RSS. Warm-up (not measured): %d chats one at a time (%d failed)",
		s.Idle["router"], s.Idle["ai"], s.WarmupChats, s.WarmupFailed)
	for _, ph := range res.Phases {
		if ph.WarmupRounds > 0 {
			fmt.Fprintf(w, ", %d round(s) of %d at once before the measured rounds", ph.WarmupRounds, ph.Concurrency)
		}
	}
	fmt.Fprintln(w, ".")
	if s.UnexpectedRequests > 0 {
		fmt.Fprintf(w, "NOTE: the model received %d requests that were no chat of the benchmark (titles? set AI_TITLES=false)\n", s.UnexpectedRequests)
	}
	for _, ph := range res.Phases {
		if ph.Failed > 0 {
			fmt.Fprintf(w, "NOTE: %s: %d chats failed (%d with an answer other than what the model sent); the first: %s\n", atOnce(ph), ph.Failed, ph.Mismatched, ph.FirstError)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Against the goals of issue 6 (at p95)")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| goal | chats | measured p95 | ratio (measured ÷ goal) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	for _, ph := range res.Phases {
		fmt.Fprintf(w, "| under %g ms added before the first chunk | %s | %.1f ms | %.2f |\n", goalFirstMS, atOnce(ph), ph.AddedFirst.P95MS, ph.AddedFirst.P95MS/goalFirstMS)
	}
	for _, ph := range res.Phases {
		fmt.Fprintf(w, "| under %g ms added per chunk | %s | %.1f ms | %.2f |\n", goalChunkMS, atOnce(ph), ph.PerChunk.P95MS, ph.PerChunk.P95MS/goalChunkMS)
	}
}

func atOnce(ph *phaseResult) string {
	switch ph.Name {
	case "sequential":
		return fmt.Sprintf("1 (%d in a row)", ph.Chats)
	case "burst":
		return fmt.Sprintf("%d at once (%d rounds)", ph.Concurrency, ph.Rounds)
	default:
		return fmt.Sprintf("%d in flight (steady)", ph.Concurrency)
	}
}

func pct4(s stats) string {
	return fmt.Sprintf("%.1f / %.1f / %.1f / %.1f", s.P50MS, s.P95MS, s.P99MS, s.MaxMS)
}

func pct2(s stats) string { return fmt.Sprintf("%.1f / %.1f", s.P50MS, s.P95MS) }

func rssTriple(ph *phaseResult, name string) string {
	return fmt.Sprintf("%.0f / %.0f / %.0f", ph.RSSBefore[name], ph.RSSPeak[name], ph.RSSAfter[name])
}

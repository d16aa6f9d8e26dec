// Command bench-subgraphs runs the four subgraphs of the router benchmark (accounts,
// inventory, products, reviews) in one process, each on its own port, and prints their URLs
// as JSON lines, then {"ready":true}. It stops on SIGINT or SIGTERM. Configuration: see
// fedstack/bench/subgraphs.Run (BENCH_HOST, BENCH_<NAME>_PORT).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"fedstack/bench/subgraphs"
)

func main() {
	// The subgraphs allocate a lot per answer and keep little: collect garbage less often
	// than Go's default (GOGC=100) so the load target spends its CPU on answers. GOGC in the
	// environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := subgraphs.Run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench-subgraphs:", err)
		stop()
		os.Exit(1)
	}
}

// Command ai runs the ai subgraph. Configuration comes from the environment; see
// docs/development.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"fedstack/subgraphs/ai/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Run(ctx, os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ai:", err)
		stop()
		os.Exit(1)
	}
}

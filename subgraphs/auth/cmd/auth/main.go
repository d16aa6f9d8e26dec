// Command auth runs the auth subgraph (see package server).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"fedstack/subgraphs/auth/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Run(ctx, os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "auth:", err)
		stop()
		os.Exit(1)
	}
}

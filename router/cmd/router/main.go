// Command router is the federation router. `router` serves; `router compose` writes the
// composed client schema.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"fedstack/router/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := server.Run(ctx, os.Args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "router:", err)
		os.Exit(1)
	}
}

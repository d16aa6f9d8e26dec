package server

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"fedstack/router/compose"
)

// supergraphHeader starts the written client schema.
const supergraphHeader = "# The client schema composed from supergraph.yaml by `router compose`.\n# Generated: do not edit. CI fails when it is stale.\n\n"

// RunCompose composes the subgraphs listed in the config and writes the client schema
// (what clients can query) to a file; with -check it fails when that file is stale.
func RunCompose(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("compose", flag.ContinueOnError)
	fs.SetOutput(stdout)
	configPath := fs.String("config", "supergraph.yaml", "the supergraph config listing the subgraphs")
	out := fs.String("out", "schema/supergraph.graphql", "where to write the composed client schema")
	check := fs.Bool("check", false, "do not write; fail if the file differs from a fresh composition")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := compose.LoadConfig(*configPath, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	sg, err := compose.Compose(cfg)
	if err != nil {
		return err
	}
	content := []byte(supergraphHeader + sg.ClientSDL)
	if *check {
		current, err := os.ReadFile(*out)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		if !bytes.Equal(current, content) {
			return fmt.Errorf("%s is stale: run `make generate` (router compose) and commit the result", *out)
		}
		fmt.Fprintf(stdout, "%s is up to date (%d subgraphs, composed in %s)\n", *out, len(sg.Subgraphs), time.Since(start).Round(time.Millisecond))
		return nil
	}
	if err := os.WriteFile(*out, content, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d subgraphs, composed in %s)\n", *out, len(sg.Subgraphs), time.Since(start).Round(time.Millisecond))
	return nil
}

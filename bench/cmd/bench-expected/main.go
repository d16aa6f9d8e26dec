// Command bench-expected writes the exact response a correct gateway gives to each
// benchmark query, computed from the subgraphs' in-memory data without any gateway (see
// fedstack/bench/expected):
//
//	bench-expected QUERY.graphql OUT.json [QUERY.graphql OUT.json ...]
//
// Each OUT.json is the compact response {"data":...} and a newline. `go generate` in bench/
// runs it for query.graphql and single.graphql.
package main

import (
	"fmt"
	"os"

	"fedstack/bench/expected"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "bench-expected:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 || len(args)%2 != 0 {
		return fmt.Errorf("usage: bench-expected QUERY.graphql OUT.json [QUERY.graphql OUT.json ...]")
	}
	for i := 0; i < len(args); i += 2 {
		query, err := os.ReadFile(args[i])
		if err != nil {
			return err
		}
		resp, err := expected.Response(string(query))
		if err != nil {
			return fmt.Errorf("%s: %w", args[i], err)
		}
		if err := os.WriteFile(args[i+1], append(resp, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

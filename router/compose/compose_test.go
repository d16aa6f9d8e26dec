package compose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "supergraph.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigReportsEveryProblem(t *testing.T) {
	p := writeConfig(t, `
subgraphs:
  - name: a
  - name: a
    routing_url: http://x
    schema: s
    subscription: {protocol: carrier-pigeon}
`)
	_, err := LoadConfig(p, nil)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{`"a" has no routing_url`, `"a" has no schema path`, `"a" is listed twice`, `subscription has no url`, `carrier-pigeon`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestLoadConfigOverridesURLsFromEnvironment(t *testing.T) {
	p := writeConfig(t, `
subgraphs:
  - name: my-graph
    routing_url: http://old/graphql
    schema: s
    subscription: {url: ws://old/graphql}
`)
	env := map[string]string{"SUBGRAPH_MY_GRAPH_URL": "http://new/graphql", "SUBGRAPH_MY_GRAPH_WS_URL": "ws://new/graphql"}
	cfg, err := LoadConfig(p, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	sg := cfg.Subgraphs[0]
	if sg.RoutingURL != "http://new/graphql" || sg.Subscription.URL != "ws://new/graphql" {
		t.Fatalf("overrides not applied: %+v %+v", sg, sg.Subscription)
	}
}

// TestComposeTheRepositorySupergraph composes the real schemas and checks the client
// schema hides what it must.
func TestComposeTheRepositorySupergraph(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "..", "supergraph.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sg, err := Compose(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, hidden := range []string{"passwordChangedAt", "ownerId", "@inaccessible", "@authenticated", "@requiresScopes", "openfed__"} {
		if strings.Contains(sg.ClientSDL, hidden) {
			t.Errorf("client schema contains %s", hidden)
		}
	}
	if !strings.Contains(sg.FullSDL, "passwordChangedAt") {
		t.Error("full schema lacks the inaccessible field the engine plans with")
	}
	for _, ds := range sg.RouterConfig.EngineConfig.DatasourceConfigurations {
		if ds.Id != "auth" && ds.Id != "ai" && ds.Id != "todos" {
			t.Errorf("data source named %q, want the subgraph's name", ds.Id)
		}
	}
}

// Package compose reads supergraph.yaml, composes the subgraph schemas into a router
// configuration and derives the client schema: the one that clients may introspect and
// execute against.
package compose

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	composition "github.com/wundergraph/cosmo/composition-go"
	nodev1 "github.com/wundergraph/cosmo/router/gen/proto/wg/cosmo/node/v1"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/ast"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/astparser"
	"github.com/wundergraph/graphql-go-tools/v2/pkg/astprinter"
	"google.golang.org/protobuf/encoding/protojson"
	"gopkg.in/yaml.v3"
)

// Config is the content of supergraph.yaml.
type Config struct {
	Version   int        `yaml:"version"`
	Subgraphs []Subgraph `yaml:"subgraphs"`
	// Dir is the folder the schema paths are relative to (the folder of the file).
	Dir string `yaml:"-"`
}

// Subgraph is one entry of supergraph.yaml.
type Subgraph struct {
	Name         string        `yaml:"name"`
	RoutingURL   string        `yaml:"routing_url"`
	Schema       string        `yaml:"schema"`
	Subscription *Subscription `yaml:"subscription"`
}

// Subscription says where and how the router opens a subgraph's subscriptions.
type Subscription struct {
	URL      string `yaml:"url"`
	Protocol string `yaml:"protocol"`
}

// LoadConfig reads and checks a supergraph.yaml. URLs can be overridden with
// SUBGRAPH_<NAME>_URL and SUBGRAPH_<NAME>_WS_URL read through getenv (nil: no overrides).
func LoadConfig(path string, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("supergraph config: %w (set SUPERGRAPH_CONFIG to its path)", err)
	}
	var cfg Config
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("supergraph config %s: %w", path, err)
	}
	cfg.Dir = filepath.Dir(path)
	if getenv != nil {
		for i := range cfg.Subgraphs {
			sg := &cfg.Subgraphs[i]
			key := "SUBGRAPH_" + strings.ToUpper(strings.ReplaceAll(sg.Name, "-", "_"))
			if v := getenv(key + "_URL"); v != "" {
				sg.RoutingURL = v
			}
			if v := getenv(key + "_WS_URL"); v != "" && sg.Subscription != nil {
				sg.Subscription.URL = v
			}
		}
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("supergraph config %s: %w", path, err)
	}
	return &cfg, nil
}

func (c *Config) validate() error {
	var problems []string
	if len(c.Subgraphs) == 0 {
		problems = append(problems, "no subgraphs listed")
	}
	seen := map[string]bool{}
	for i, sg := range c.Subgraphs {
		switch {
		case sg.Name == "":
			problems = append(problems, fmt.Sprintf("subgraph #%d has no name", i+1))
		case seen[sg.Name]:
			problems = append(problems, fmt.Sprintf("subgraph %q is listed twice", sg.Name))
		}
		seen[sg.Name] = true
		if sg.RoutingURL == "" {
			problems = append(problems, fmt.Sprintf("subgraph %q has no routing_url", sg.Name))
		}
		if sg.Schema == "" {
			problems = append(problems, fmt.Sprintf("subgraph %q has no schema path", sg.Name))
		}
		if s := sg.Subscription; s != nil {
			if s.URL == "" {
				problems = append(problems, fmt.Sprintf("subgraph %q: subscription has no url", sg.Name))
			}
			switch s.Protocol {
			case "", "graphql-transport-ws", "ws", "sse", "sse_post":
			default:
				problems = append(problems, fmt.Sprintf("subgraph %q: subscription protocol %q is not one of graphql-transport-ws, sse, sse_post", sg.Name, s.Protocol))
			}
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Supergraph is the result of composition.
type Supergraph struct {
	// RouterConfig is the engine configuration; each data source's id is its subgraph's name.
	RouterConfig *nodev1.RouterConfig
	// FullSDL is the composed schema the engine plans against (with @inaccessible parts).
	FullSDL string
	// ClientSDL is what clients see: no @inaccessible parts, no composition directives.
	ClientSDL string
	// Subgraphs lists the composed subgraphs in config order.
	Subgraphs []Subgraph
}

// Compose reads each subgraph's schema files and composes them.
func Compose(cfg *Config) (*Supergraph, error) {
	inputs := make([]*composition.Subgraph, 0, len(cfg.Subgraphs))
	for _, sg := range cfg.Subgraphs {
		sdl, err := readSchema(filepath.Join(cfg.Dir, sg.Schema))
		if err != nil {
			return nil, fmt.Errorf("subgraph %q: %w", sg.Name, err)
		}
		in := &composition.Subgraph{Name: sg.Name, URL: sg.RoutingURL, Schema: sdl}
		if sg.Subscription != nil {
			in.SubscriptionURL = sg.Subscription.URL
			in.SubscriptionProtocol = protocolName(sg.Subscription.Protocol)
		}
		inputs = append(inputs, in)
	}
	out, err := composition.BuildRouterConfiguration(inputs...)
	if err != nil {
		return nil, fmt.Errorf("composition failed: %w", err)
	}
	var rc nodev1.RouterConfig
	if err := protojson.Unmarshal([]byte(out), &rc); err != nil {
		return nil, fmt.Errorf("composition produced an unreadable router config: %w", err)
	}
	if rc.EngineConfig == nil {
		return nil, errors.New("composition produced no engine configuration")
	}
	// Name data sources after their subgraphs, so errors and metrics say "auth", not "0".
	names := map[string]string{}
	for _, s := range rc.Subgraphs {
		names[s.Id] = s.Name
	}
	for _, ds := range rc.EngineConfig.DatasourceConfigurations {
		if n, ok := names[ds.Id]; ok {
			ds.Id = n
		}
	}
	for _, s := range rc.Subgraphs {
		s.Id = s.Name
	}
	client := rc.EngineConfig.GetGraphqlClientSchema()
	if client == "" {
		client = rc.EngineConfig.GraphqlSchema
	}
	clientSDL, err := CleanClientSchema(client)
	if err != nil {
		return nil, err
	}
	return &Supergraph{
		RouterConfig: &rc,
		FullSDL:      rc.EngineConfig.GraphqlSchema,
		ClientSDL:    clientSDL,
		Subgraphs:    cfg.Subgraphs,
	}, nil
}

func protocolName(p string) string {
	switch p {
	case "", "graphql-transport-ws", "ws":
		return "ws"
	default:
		return p
	}
}

// readSchema reads one .graphql(s) file, or every .graphqls/.graphql file of a folder in
// name order.
func readSchema(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("schema: %w", err)
	}
	files := []string{path}
	if info.IsDir() {
		files = nil
		entries, err := os.ReadDir(path)
		if err != nil {
			return "", fmt.Errorf("schema: %w", err)
		}
		for _, e := range entries {
			if !e.IsDir() && (strings.HasSuffix(e.Name(), ".graphqls") || strings.HasSuffix(e.Name(), ".graphql")) {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		sort.Strings(files)
		if len(files) == 0 {
			return "", fmt.Errorf("schema: no .graphqls files in %s", path)
		}
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return "", fmt.Errorf("schema: %w", err)
		}
		b.Write(data)
		b.WriteString("\n")
	}
	return b.String(), nil
}

// internalDirectives are added by composition for its own use; clients never see them.
var internalDirectives = map[string]bool{
	"authenticated": true, "requiresScopes": true, "inaccessible": true, "tag": true,
	"link": true, "key": true, "external": true, "requires": true, "provides": true,
	"shareable": true, "override": true, "interfaceObject": true, "composeDirective": true,
}

// CleanClientSchema removes composition-internal directive definitions and their helper
// scalars (openfed__*) from a client schema and prints it in a stable form.
func CleanClientSchema(sdl string) (string, error) {
	doc, report := astparser.ParseGraphqlDocumentString(sdl)
	if report.HasErrors() {
		return "", fmt.Errorf("client schema does not parse: %s", report.Error())
	}
	var kept []ast.Node
	for _, node := range doc.RootNodes {
		switch node.Kind {
		case ast.NodeKindDirectiveDefinition:
			if internalDirectives[doc.DirectiveDefinitionNameString(node.Ref)] {
				continue
			}
		case ast.NodeKindScalarTypeDefinition:
			if strings.HasPrefix(doc.ScalarTypeDefinitionNameString(node.Ref), "openfed__") {
				continue
			}
		}
		kept = append(kept, node)
	}
	doc.RootNodes = kept
	out, err := astprinter.PrintStringIndent(&doc, "  ")
	if err != nil {
		return "", fmt.Errorf("client schema does not print: %w", err)
	}
	return out + "\n", nil
}

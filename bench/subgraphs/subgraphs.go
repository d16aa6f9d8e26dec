// Package subgraphs runs the four subgraphs of the graphql-gateways-benchmark (accounts,
// inventory, products, reviews) in one process, each on its own port with its GraphQL
// endpoint at /graphql, as the original runs them in one process. They are the load target of
// the router benchmark: lean gqlgen servers over static in-memory data.
package subgraphs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	accounts "fedstack/bench/subgraphs/accounts/graph"
	inventory "fedstack/bench/subgraphs/inventory/graph"
	products "fedstack/bench/subgraphs/products/graph"
	reviews "fedstack/bench/subgraphs/reviews/graph"
)

// Names are the subgraphs, in the order they are started and announced.
var Names = []string{"accounts", "inventory", "products", "reviews"}

// DefaultPorts are the ports Run uses unless BENCH_<NAME>_PORT says otherwise.
var DefaultPorts = map[string]int{"accounts": 4201, "inventory": 4202, "products": 4203, "reviews": 4204}

// DefaultHost is the address Run listens on unless BENCH_HOST says otherwise.
const DefaultHost = "127.0.0.1"

// Handler returns a new GraphQL handler (POST) of the named subgraph, or nil for an unknown
// name.
func Handler(name string) http.Handler {
	switch name {
	case "accounts":
		return accounts.NewHandler()
	case "inventory":
		return inventory.NewHandler()
	case "products":
		return products.NewHandler()
	case "reviews":
		return reviews.NewHandler()
	}
	return nil
}

// NewServeMux returns the routes of one subgraph's server: its GraphQL endpoint at
// /graphql and GET /health.
func NewServeMux(name string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/graphql", Handler(name))
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "OK") })
	return mux
}

// Subgraph is one running subgraph.
type Subgraph struct {
	Name string `json:"subgraph"`
	URL  string `json:"url"` // http://HOST:PORT/graphql
}

// Servers are the running subgraphs.
type Servers struct {
	Subgraphs []Subgraph // in the order of Names
	servers   []*http.Server
	errs      chan error
}

// Start listens on host:port for each subgraph (a missing or zero port takes a free one) and
// serves until Shutdown. If one cannot listen, the others are closed and the error returned.
func Start(host string, ports map[string]int) (*Servers, error) {
	s := &Servers{errs: make(chan error, len(Names))}
	var lns []net.Listener
	for _, name := range Names {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(ports[name])))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("subgraph %s: %w", name, err)
		}
		lns = append(lns, ln)
		s.Subgraphs = append(s.Subgraphs, Subgraph{Name: name, URL: "http://" + dialAddr(ln.Addr()) + "/graphql"})
	}
	for i, name := range Names {
		srv := &http.Server{Handler: NewServeMux(name), ReadHeaderTimeout: 10 * time.Second}
		s.servers = append(s.servers, srv)
		go func(ln net.Listener) {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.errs <- fmt.Errorf("subgraph %s: %w", name, err)
			}
		}(lns[i])
	}
	return s, nil
}

// URL returns the GraphQL endpoint of the named subgraph ("" if unknown).
func (s *Servers) URL(name string) string {
	for _, sg := range s.Subgraphs {
		if sg.Name == name {
			return sg.URL
		}
	}
	return ""
}

// Shutdown stops the servers gracefully, waiting for in-flight requests until ctx ends (then
// it closes them).
func (s *Servers) Shutdown(ctx context.Context) error {
	var errs []error
	for _, srv := range s.servers {
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Run starts the four subgraphs as configured by the environment, prints one JSON line per
// subgraph ({"subgraph":"accounts","url":"http://127.0.0.1:4201/graphql"}) and then
// {"ready":true} on stdout, and serves until ctx ends.
//
//	BENCH_HOST            address to listen on (default 127.0.0.1)
//	BENCH_ACCOUNTS_PORT   default 4201; 0 takes a free port (so do the others)
//	BENCH_INVENTORY_PORT  default 4202
//	BENCH_PRODUCTS_PORT   default 4203
//	BENCH_REVIEWS_PORT    default 4204
func Run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	host := getenv("BENCH_HOST")
	if host == "" {
		host = DefaultHost
	}
	ports := map[string]int{}
	var problems []string
	for _, name := range Names {
		key := "BENCH_" + strings.ToUpper(name) + "_PORT"
		ports[name] = DefaultPorts[name]
		if v := getenv(key); v != "" {
			p, err := strconv.Atoi(v)
			if err != nil || p < 0 || p > 65535 {
				problems = append(problems, fmt.Sprintf("%s=%q is not a port number (0 takes a free port)", key, v))
				continue
			}
			ports[name] = p
		}
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	s, err := Start(host, ports)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, sg := range s.Subgraphs {
		_ = enc.Encode(sg)
	}
	_ = enc.Encode(struct {
		Ready bool `json:"ready"`
	}{true})

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-s.errs:
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return errors.Join(serveErr, s.Shutdown(sctx))
}

// dialAddr is addr as a client dials it: 127.0.0.1 (or [::1]) for an unspecified address.
func dialAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		if ip != nil && ip.To4() == nil {
			ip = net.IPv6loopback
		} else {
			ip = net.IPv4(127, 0, 0, 1)
		}
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

package graph

import (
	"context"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"fedstack/dataloaders"
	"fedstack/platform/authn"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/graph/generated"
)

// roleAdmin is the "role" claim of administrators (auth subgraph's Role ADMIN): they may read
// every user's todos and statistics.
const roleAdmin = "ADMIN"

// Resolver holds what the resolvers call. It is created once and shared by all requests.
type Resolver struct {
	todos  *todos.Service
	logger *slog.Logger

	// todosByOwner batches User.todos: one query for every user of a request.
	todosByOwner *dataloaders.Def[ownerFilter, []*todos.Todo]
	// statsByOwner batches User.todoStats: one query for every user of a request.
	statsByOwner *dataloaders.Def[todos.StatsKey, *todos.TodoStats]
}

// ownerFilter is the key of User.todos(filter:).
type ownerFilter struct {
	ownerID string
	filter  todos.Filter
}

// NewResolver returns the resolvers over svc. Requests must carry a dataloaders set
// (dataloaders.Middleware or dataloaders.Extension).
func NewResolver(svc *todos.Service, logger *slog.Logger) *Resolver {
	if logger == nil {
		logger = slog.Default()
	}
	return &Resolver{
		todos:        svc,
		logger:       logger,
		todosByOwner: dataloaders.DefineMapped(todosOfOwners(svc)),
		statsByOwner: dataloaders.DefineMapped(svc.StatsByKeys),
	}
}

// todosOfOwners loads User.todos for a batch: one query per distinct filter (in practice
// one, since a request asks the same field of every user).
func todosOfOwners(svc *todos.Service) func(ctx context.Context, keys []ownerFilter) (map[ownerFilter][]*todos.Todo, error) {
	return func(ctx context.Context, keys []ownerFilter) (map[ownerFilter][]*todos.Todo, error) {
		byFilter := map[todos.Filter][]string{}
		for _, k := range keys {
			byFilter[k.filter] = append(byFilter[k.filter], k.ownerID)
		}
		out := make(map[ownerFilter][]*todos.Todo, len(keys))
		for f, owners := range byFilter {
			lists, err := svc.TodosByOwners(ctx, owners, f)
			if err != nil {
				return nil, err
			}
			for _, o := range owners {
				list := lists[o]
				if list == nil {
					list = []*todos.Todo{}
				}
				out[ownerFilter{o, f}] = list
			}
		}
		return out, nil
	}
}

// NewExecutableSchema returns the gqlgen schema served by r.
func NewExecutableSchema(r *Resolver) graphql.ExecutableSchema {
	return generated.NewExecutableSchema(generated.Config{Resolvers: r})
}

// canRead reports whether the caller may see the todos of ownerID.
func canRead(c *authn.Claims, ownerID string) bool {
	return c.UserID() == ownerID || c.Role == roleAdmin
}

// signedIn returns the caller's user id, or UNAUTHENTICATED.
func signedIn(ctx context.Context) (string, error) {
	c, err := authn.Require(ctx)
	if err != nil {
		return "", err
	}
	return c.UserID(), nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// firstOrInvalid passes an explicit 0 on as -1, so the service refuses it rather than
// reading it as "the default".
func firstOrInvalid(first *int) int {
	if first == nil {
		return 0
	}
	if *first == 0 {
		return -1
	}
	return *first
}

// statsDays is the days argument with its default.
func statsDays(days *int) int {
	if days == nil {
		return todos.DefaultStatsDays
	}
	return *days
}

package graph

import (
	"context"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"fedstack/dataloaders"
	"fedstack/platform/authn"
	"fedstack/subgraphs/todos"
	"fedstack/subgraphs/todos/graph/generated"
	"fedstack/subgraphs/todos/realtime"
)

// roleAdmin is the "role" claim of administrators (auth subgraph's Role ADMIN): they may read
// every user's todos.
const roleAdmin = "ADMIN"

// Resolver holds what the resolvers call. It is created once and shared by all requests.
type Resolver struct {
	todos   todos.TodoService
	changes realtime.Subscriber
	logger  *slog.Logger

	// todosByOwner batches User.todos: one query for every user of a request.
	todosByOwner *dataloaders.Def[string, []*todos.Todo]
}

// NewResolver returns the resolvers over svc; changes feeds the todoChanged subscription.
// Requests must carry a dataloaders set (dataloaders.Middleware or dataloaders.Extension).
func NewResolver(svc todos.TodoService, changes realtime.Subscriber, logger *slog.Logger) *Resolver {
	if logger == nil {
		logger = slog.Default()
	}
	return &Resolver{
		todos:        svc,
		changes:      changes,
		logger:       logger,
		todosByOwner: dataloaders.DefineMapped(svc.FindTodosByOwners),
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

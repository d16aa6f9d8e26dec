package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"fedstack/platform/authn"
	"fedstack/subgraphs/todos"
)

// prefetchUserFields loads, for every user of an _entities call the caller may read, the
// User fields this subgraph owns that the operation selects (todos, todoStats), one batch
// per field and arguments, before the fields resolve. The per-user resolvers then find the
// results in the request's loaders. Without it, batching relies on the loaders' short
// collection window catching all the concurrently resolving users, which a busy machine
// can miss (and then a field costs two round trips instead of one).
func (r *Resolver) prefetchUserFields(ctx context.Context, ids []string) {
	c, ok := authn.FromContext(ctx)
	if !ok || c == nil || graphql.GetFieldContext(ctx) == nil || !graphql.HasOperationContext(ctx) {
		return
	}
	readable := make([]string, 0, len(ids))
	for _, id := range ids {
		if canRead(c, id) {
			readable = append(readable, id)
		}
	}
	if len(readable) == 0 {
		return
	}
	op := graphql.GetOperationContext(ctx)
	var wg sync.WaitGroup
	for _, f := range graphql.CollectFields(op, graphql.GetFieldContext(ctx).Field.Selections, []string{"User"}) {
		args := f.ArgumentMap(op.Variables)
		switch f.Name {
		case "todos":
			filter := todos.FilterAll
			if v, ok := args["filter"].(string); ok {
				filter = todos.Filter(v)
			}
			if !filter.Valid() {
				continue
			}
			keys := make([]ownerFilter, len(readable))
			for i, id := range readable {
				keys[i] = ownerFilter{id, filter}
			}
			wg.Go(func() { _, _ = r.todosByOwner.LoadAll(ctx, keys) })
		case "todoStats":
			days := todos.DefaultStatsDays
			if v, ok := args["days"].(int64); ok {
				days = int(v)
			} else if v, ok := args["days"].(int); ok {
				days = v
			}
			if todos.CheckStatsDays(days) != nil {
				continue
			}
			keys := make([]todos.StatsKey, len(readable))
			for i, id := range readable {
				keys[i] = todos.StatsKey{OwnerID: id, Days: days}
			}
			wg.Go(func() { _, _ = r.statsByOwner.LoadAll(ctx, keys) })
		}
	}
	wg.Wait()
}

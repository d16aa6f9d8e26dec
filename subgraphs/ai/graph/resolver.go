package graph

import (
	"context"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/graph/generated"
	"fedstack/subgraphs/ai/graph/model"
)

// Resolver holds what the resolvers call. It is created once and shared by all requests.
type Resolver struct {
	ai     *ai.Service
	logger *slog.Logger
}

// NewResolver returns the resolvers over svc.
func NewResolver(svc *ai.Service, logger *slog.Logger) *Resolver {
	if logger == nil {
		logger = slog.Default()
	}
	return &Resolver{ai: svc, logger: logger}
}

// NewExecutableSchema returns the gqlgen schema served by r.
func NewExecutableSchema(r *Resolver) graphql.ExecutableSchema {
	return generated.NewExecutableSchema(generated.Config{Resolvers: r})
}

// caller is the signed-in user of ctx; without verified claims it is the empty Caller, which
// the service answers with UNAUTHENTICATED.
func caller(ctx context.Context) ai.Caller {
	c, ok := authn.FromContext(ctx)
	if !ok {
		return ai.Caller{}
	}
	return ai.Caller{UserID: c.UserID(), Role: c.Role}
}

// exchange is the GraphQL form of an exchange.
func exchange(ex *ai.Exchange, err error) (*generated.ChatExchange, error) {
	if err != nil {
		return nil, err
	}
	return &generated.ChatExchange{
		Conversation: model.Conv(ex.Conversation),
		UserMessage:  model.Msg(ex.User),
		Message:      model.Msg(ex.Assistant),
	}, nil
}

// usage sums the rows of a usage window.
func usage(rows []*ai.Usage, err error) (*generated.AiUsage, error) {
	if err != nil {
		return nil, err
	}
	u := &generated.AiUsage{Days: rows}
	if u.Days == nil {
		u.Days = []*ai.Usage{}
	}
	for _, r := range rows {
		u.Messages += int(r.Messages)
		u.TokensIn += int(r.TokensIn)
		u.TokensOut += int(r.TokensOut)
		u.Cost += r.Cost
	}
	return u, nil
}

// usageDays is the days argument with its default.
func usageDays(days *int) int {
	if days == nil {
		return defaultUsageDays
	}
	return *days
}

// defaultUsageDays is the schema's default of aiUsage(days:) and aiUsageTotals(days:).
const defaultUsageDays = 30

// pageSize reads a first:/last: argument: omitted is 0 (the service's default); otherwise
// it must be at least 1.
func pageSize(field string, n *int) (int, error) {
	if n == nil {
		return 0, nil
	}
	if *n < 1 {
		return 0, &errs.Error{Code: errs.Invalid, Field: field, Message: field + " must be at least 1"}
	}
	return *n, nil
}

// optional is nil for "" and a pointer to s otherwise.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// findEach resolves the representations of one entity type one by one through the
// service, which answers NOT_FOUND for another user's entity exactly as for a missing one.
// The errors are per representation; the others still resolve.
func findEach[Rep, T any](reps []Rep, find func(Rep) (*T, error)) ([]*T, error) {
	list := make([]*T, len(reps))
	var perRep graphql.BatchErrorList
	for i, rep := range reps {
		v, err := find(rep)
		if err != nil {
			if perRep == nil {
				perRep = make(graphql.BatchErrorList, len(reps))
			}
			perRep[i] = err
			continue
		}
		list[i] = v
	}
	if perRep != nil {
		return list, perRep
	}
	return list, nil
}

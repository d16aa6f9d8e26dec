package gqlserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
)

// testSchema is a hand-written ExecutableSchema, enough to exercise the handler without
// generated code.
type testSchema struct{ schema *ast.Schema }

func newTestSchema() *testSchema {
	return &testSchema{schema: gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphqls", Input: `
type Query {
  hello: String!
  me: String
  notFound: String
  limited: String
  internal: String
  boom: String
}
type Subscription {
  ticks(n: Int!): Int!
  whoami: String
}
`})}
}

func (s *testSchema) Schema() *ast.Schema { return s.schema }

func (s *testSchema) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 0, false
}

// resolve runs one root field; a panic goes through the operation's RecoverFunc as generated
// code does.
func resolve(ctx context.Context, f *ast.Field) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = graphql.GetOperationContext(ctx).Recover(ctx, r)
		}
	}()
	switch f.Name {
	case "hello":
		return "world", nil
	case "me", "whoami":
		if c, ok := authn.FromContext(ctx); ok {
			return c.UserID(), nil
		}
		return nil, nil
	case "notFound":
		return nil, &errs.Error{Code: errs.NotFound, Message: "no todo with id 42", Field: "id"}
	case "limited":
		return nil, &errs.Error{Code: errs.RateLimited, Message: "too many requests", RetryAfter: 30 * time.Second}
	case "internal":
		return nil, errors.New("pq: password authentication failed for user app")
	case "boom":
		panic("nil map write")
	}
	return nil, fmt.Errorf("unknown field %s", f.Name)
}

func (s *testSchema) Exec(ctx context.Context) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx).Operation
	if op.Operation == ast.Subscription {
		f := op.SelectionSet[0].(*ast.Field)
		if f.Name == "whoami" {
			v, _ := resolve(ctx, f)
			b, _ := json.Marshal(map[string]any{f.Alias: v})
			sent := false
			return func(ctx context.Context) *graphql.Response {
				if sent {
					<-ctx.Done()
					return nil
				}
				sent = true
				return &graphql.Response{Data: b}
			}
		}
		n := f.ArgumentMap(graphql.GetOperationContext(ctx).Variables)["n"].(int64)
		i := int64(0)
		return func(ctx context.Context) *graphql.Response {
			if i >= n {
				return nil
			}
			i++
			b, _ := json.Marshal(map[string]any{f.Alias: i})
			return &graphql.Response{Data: b}
		}
	}
	data := map[string]any{}
	for _, sel := range op.SelectionSet {
		f := sel.(*ast.Field)
		fctx := graphql.WithPathContext(ctx, graphql.NewPathWithField(f.Alias))
		v, err := resolve(fctx, f)
		if err != nil {
			graphql.AddError(fctx, err)
		}
		data[f.Alias] = v
	}
	b, _ := json.Marshal(data)
	return graphql.OneShot(&graphql.Response{Data: b})
}

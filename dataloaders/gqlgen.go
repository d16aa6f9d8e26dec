package dataloaders

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// Extension is a gqlgen handler extension that gives every GraphQL response a fresh [Set]:
// one per query or mutation, and one per subscription event, so a long-lived websocket never
// serves values cached from an earlier event. Add it with srv.Use(dataloaders.Extension{}).
type Extension struct{}

var (
	_ graphql.HandlerExtension    = Extension{}
	_ graphql.ResponseInterceptor = Extension{}
)

// ExtensionName implements graphql.HandlerExtension.
func (Extension) ExtensionName() string { return "Dataloaders" }

// Validate implements graphql.HandlerExtension.
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor.
func (Extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	return next(With(ctx))
}

// Package graph holds the auth subgraph's hand-written gqlgen resolvers. They are
// thin: they call the domain services and convert domain types to the generated
// GraphQL models. The generated code is in graph/generated (see generate.go).
package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
	"fedstack/subgraphs/auth"
	"fedstack/subgraphs/auth/graph/generated"
)

// Resolver is the root resolver.
type Resolver struct {
	Auth  auth.AuthService
	Users auth.UserService
}

// NewExecutableSchema returns the auth subgraph's schema bound to r.
func NewExecutableSchema(r *Resolver) graphql.ExecutableSchema {
	return generated.NewExecutableSchema(generated.Config{Resolvers: r})
}

var _ generated.ResolverRoot = (*Resolver)(nil)

// Entity returns the federation entity resolver.
func (r *Resolver) Entity() generated.EntityResolver { return entityResolver{r} }

// Mutation returns the mutation resolver.
func (r *Resolver) Mutation() generated.MutationResolver { return mutationResolver{r} }

// Query returns the query resolver.
func (r *Resolver) Query() generated.QueryResolver { return queryResolver{r} }

type entityResolver struct{ *Resolver }

// FindManyUserByIDs resolves every User representation of an _entities call
// with one query; an unknown id resolves to null.
func (r entityResolver) FindManyUserByIDs(ctx context.Context, reps []*generated.UserByIDsInput) ([]*generated.User, error) {
	ids := make([]string, len(reps))
	for i, rep := range reps {
		ids[i] = rep.ID
	}
	users, err := r.Users.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*generated.User, len(reps))
	for i := range reps {
		if i < len(users) {
			out[i] = userModel(users[i])
		}
	}
	return out, nil
}

type mutationResolver struct{ *Resolver }

func (r mutationResolver) Signup(ctx context.Context, input auth.SignupInput) (*generated.AuthPayload, error) {
	p, err := r.Auth.Signup(ctx, input)
	if err != nil {
		return nil, err
	}
	return payloadModel(p), nil
}

func (r mutationResolver) Login(ctx context.Context, input auth.LoginInput) (*generated.AuthPayload, error) {
	p, err := r.Auth.Login(ctx, input)
	if err != nil {
		return nil, err
	}
	return payloadModel(p), nil
}

// Logout ends the signed-in user's sessions as scope says (this one by default).
func (r mutationResolver) Logout(ctx context.Context, scope *generated.LogoutScope) (*generated.LogoutPayload, error) {
	claims, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	sc := auth.LogoutThisSession
	if scope != nil {
		sc = auth.LogoutScope(*scope)
	}
	n, err := r.Auth.Logout(ctx, claims.UserID(), claims.SessionID, sc)
	if err != nil {
		return nil, err
	}
	return &generated.LogoutPayload{EndedSessions: n}, nil
}

type queryResolver struct{ *Resolver }

// Me returns the user of the verified access token, or null when anonymous (or
// when the token's user no longer exists).
func (r queryResolver) Me(ctx context.Context) (*generated.User, error) {
	claims, ok := authn.FromContext(ctx)
	if !ok || claims == nil {
		return nil, nil
	}
	u, err := r.Users.UserByID(ctx, claims.UserID())
	if errs.CodeOf(err) == errs.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return userModel(u), nil
}

func userModel(u *auth.User) *generated.User {
	if u == nil {
		return nil
	}
	m := &generated.User{
		ID:        u.ID,
		Email:     u.Email,
		Name:      u.Name,
		Role:      u.Role,
		CreatedAt: u.CreatedAt,
	}
	if !u.PasswordChangedAt.IsZero() {
		t := u.PasswordChangedAt
		m.PasswordChangedAt = &t
	}
	return m
}

func payloadModel(p *auth.AuthPayload) *generated.AuthPayload {
	return &generated.AuthPayload{
		AccessToken: p.AccessToken,
		ExpiresAt:   p.ExpiresAt,
		User:        userModel(p.User),
	}
}

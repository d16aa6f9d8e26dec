// Package graph holds the auth subgraph's hand-written gqlgen resolvers. They are
// thin: they call the domain services and convert domain types to the generated
// GraphQL models. The generated code is in graph/generated (see generate.go).
package graph

import (
	"context"
	"sort"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
	"fedstack/subgraphs/auth"
	"fedstack/subgraphs/auth/graph/generated"
)

// Resolver is the root resolver.
type Resolver struct {
	Auth auth.AuthService
	// UserLookup reads users (me, entities).
	UserLookup auth.UserService
	Admin      auth.AdminService
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
	users, err := r.UserLookup.UsersByIDs(ctx, ids)
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

// Refresh exchanges a refresh token (GraphQL clients keep it themselves; browsers
// use the cookie routes under /api/auth).
func (r mutationResolver) Refresh(ctx context.Context, refreshToken string) (*generated.AuthPayload, error) {
	p, err := r.Auth.Refresh(ctx, refreshToken)
	if err != nil {
		return nil, err
	}
	return payloadModel(p), nil
}

func (r mutationResolver) UpdateProfile(ctx context.Context, input auth.ProfileInput) (*generated.User, error) {
	claims, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	u, err := r.Auth.UpdateProfile(ctx, claims.UserID(), input)
	if err != nil {
		return nil, err
	}
	return userModel(u), nil
}

func (r mutationResolver) ChangePassword(ctx context.Context, input auth.ChangePasswordInput) (*generated.LogoutPayload, error) {
	claims, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	n, err := r.Auth.ChangePassword(ctx, claims.UserID(), claims.SessionID, input)
	if err != nil {
		return nil, err
	}
	return &generated.LogoutPayload{EndedSessions: n}, nil
}

func (r mutationResolver) EndSession(ctx context.Context, id string) (*generated.LogoutPayload, error) {
	claims, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.Auth.EndSession(ctx, claims.UserID(), id); err != nil {
		return nil, err
	}
	return &generated.LogoutPayload{EndedSessions: 1}, nil
}

func (r mutationResolver) RequestEmailVerification(ctx context.Context) (bool, error) {
	claims, err := authn.Require(ctx)
	if err != nil {
		return false, err
	}
	if err := r.Auth.RequestEmailVerification(ctx, claims.UserID()); err != nil {
		return false, err
	}
	return true, nil
}

func (r mutationResolver) VerifyEmail(ctx context.Context, token string) (*generated.User, error) {
	u, err := r.Auth.VerifyEmail(ctx, token)
	if err != nil {
		return nil, err
	}
	return userModel(u), nil
}

func (r mutationResolver) RequestPasswordReset(ctx context.Context, email string) (bool, error) {
	if err := r.Auth.RequestPasswordReset(ctx, email); err != nil {
		return false, err
	}
	return true, nil
}

func (r mutationResolver) ResetPassword(ctx context.Context, input generated.ResetPasswordInput) (bool, error) {
	if err := r.Auth.ResetPassword(ctx, input.Token, input.NewPassword); err != nil {
		return false, err
	}
	return true, nil
}

// actor returns the caller's user id; administration needs a signed-in caller.
func actor(ctx context.Context) (string, error) {
	claims, err := authn.Require(ctx)
	if err != nil {
		return "", err
	}
	return claims.UserID(), nil
}

func (r mutationResolver) SetUserRole(ctx context.Context, userID string, role auth.Role) (*generated.User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	u, err := r.Admin.SetRole(ctx, a, userID, role)
	if err != nil {
		return nil, err
	}
	return userModel(u), nil
}

func (r mutationResolver) DeactivateUser(ctx context.Context, userID string) (*generated.User, error) {
	return r.setActive(ctx, userID, false)
}

func (r mutationResolver) ReactivateUser(ctx context.Context, userID string) (*generated.User, error) {
	return r.setActive(ctx, userID, true)
}

func (r mutationResolver) setActive(ctx context.Context, userID string, active bool) (*generated.User, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	u, err := r.Admin.SetActive(ctx, a, userID, active)
	if err != nil {
		return nil, err
	}
	return userModel(u), nil
}

func (r mutationResolver) EndUserSessions(ctx context.Context, userID string) (*generated.LogoutPayload, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	n, err := r.Admin.EndUserSessions(ctx, a, userID)
	if err != nil {
		return nil, err
	}
	return &generated.LogoutPayload{EndedSessions: n}, nil
}

type queryResolver struct{ *Resolver }

// MySessions lists the caller's live sessions, marking the one of the token.
func (r queryResolver) MySessions(ctx context.Context) ([]*generated.Session, error) {
	claims, err := authn.Require(ctx)
	if err != nil {
		return nil, err
	}
	list, err := r.Auth.Sessions(ctx, claims.UserID())
	if err != nil {
		return nil, err
	}
	out := make([]*generated.Session, len(list))
	for i, s := range list {
		out[i] = sessionModel(s, claims.SessionID)
	}
	return out, nil
}

func page(first *int, after *string) auth.Page {
	p := auth.Page{}
	if first != nil {
		p.First = *first
		if p.First == 0 {
			p.First = -1 // an explicit 0 is refused, not read as the default
		}
	}
	if after != nil {
		p.After = *after
	}
	return p
}

func (r queryResolver) Users(ctx context.Context, filter *generated.UserFilter, first *int, after *string) (*generated.UserConnection, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var f auth.UserFilter
	if filter != nil {
		if filter.Search != nil {
			f.Search = *filter.Search
		}
		f.Role, f.Active = filter.Role, filter.Active
	}
	res, err := r.Admin.Users(ctx, a, f, page(first, after))
	if err != nil {
		return nil, err
	}
	out := &generated.UserConnection{Nodes: make([]*generated.User, len(res.Users)), PageInfo: pageInfo(res.EndCursor, res.HasNextPage)}
	for i, u := range res.Users {
		out.Nodes[i] = userModel(u)
	}
	return out, nil
}

func (r queryResolver) AuditLog(ctx context.Context, filter *generated.AuditFilter, first *int, after *string) (*generated.AuditEventConnection, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var f auth.AuditFilter
	if filter != nil {
		if filter.UserID != nil {
			f.UserID = *filter.UserID
		}
		if filter.Action != nil {
			f.Action = *filter.Action
		}
	}
	res, err := r.Admin.AuditLog(ctx, a, f, page(first, after))
	if err != nil {
		return nil, err
	}
	out := &generated.AuditEventConnection{Nodes: make([]*generated.AuditEvent, len(res.Events)), PageInfo: pageInfo(res.EndCursor, res.HasNextPage)}
	for i, e := range res.Events {
		out.Nodes[i] = auditModel(e)
	}
	return out, nil
}

// Me returns the user of the verified access token, or null when anonymous (or
// when the token's user no longer exists).
func (r queryResolver) Me(ctx context.Context) (*generated.User, error) {
	claims, ok := authn.FromContext(ctx)
	if !ok || claims == nil {
		return nil, nil
	}
	u, err := r.UserLookup.UserByID(ctx, claims.UserID())
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
		ID:            u.ID,
		Email:         u.Email,
		Name:          u.Name,
		Role:          u.Role,
		CreatedAt:     u.CreatedAt,
		UpdatedAt:     u.UpdatedAt,
		LastLoginAt:   u.LastLoginAt,
		EmailVerified: u.EmailVerifiedAt != nil,
		Active:        u.Active,
	}
	if !u.PasswordChangedAt.IsZero() {
		t := u.PasswordChangedAt
		m.PasswordChangedAt = &t
	}
	return m
}

func payloadModel(p *auth.AuthPayload) *generated.AuthPayload {
	return &generated.AuthPayload{
		AccessToken:  p.AccessToken,
		ExpiresAt:    p.ExpiresAt,
		RefreshToken: p.RefreshToken,
		User:         userModel(p.User),
		Session:      sessionModel(p.Session, p.Session.ID),
	}
}

func sessionModel(s *auth.Session, current string) *generated.Session {
	return &generated.Session{
		ID: s.ID, Device: s.Device, UserAgent: s.UserAgent, IP: s.IP, CreatedAt: s.CreatedAt,
		LastActiveAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt, Current: s.ID == current,
	}
}

func pageInfo(endCursor string, hasNext bool) *generated.PageInfo {
	p := &generated.PageInfo{HasNextPage: hasNext}
	if endCursor != "" {
		p.EndCursor = &endCursor
	}
	return p
}

func auditModel(e *auth.AuditEvent) *generated.AuditEvent {
	m := &generated.AuditEvent{
		ID: strconv.FormatInt(e.ID, 10), At: e.At, Action: e.Action, IP: e.IP, UserAgent: e.UserAgent,
		Detail: make([]*generated.AuditDetail, 0, len(e.Detail)),
	}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	m.ActorID, m.UserID, m.SessionID = opt(e.ActorID), opt(e.UserID), opt(e.SessionID)
	keys := make([]string, 0, len(e.Detail))
	for k := range e.Detail {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m.Detail = append(m.Detail, &generated.AuditDetail{Key: k, Value: e.Detail[k]})
	}
	return m
}

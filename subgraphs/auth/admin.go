package auth

import (
	"context"
	"strconv"

	"fedstack/platform/errs"
)

// requireAdmin checks, against the stored account rather than the token's claim,
// that actorID is an active ADMIN: a demotion or deactivation takes effect at once.
func (s *Service) requireAdmin(ctx context.Context, actorID string) error {
	if actorID == "" {
		return errs.E(errs.Unauthenticated, "sign in first")
	}
	u, err := s.store.UserByID(ctx, actorID)
	if errs.CodeOf(err) == errs.NotFound {
		return errs.E(errs.Forbidden, ErrAdminOnly)
	}
	if err != nil {
		return err
	}
	if !u.Active || u.Role != RoleAdmin {
		return errs.E(errs.Forbidden, ErrAdminOnly)
	}
	return nil
}

// checkPage fills in the default size and refuses sizes out of range.
func checkPage(p Page) (Page, error) {
	if p.First == 0 {
		p.First = DefaultPageSize
	}
	if p.First < 1 || p.First > MaxPageSize {
		return p, invalid("first", "first must be between 1 and "+strconv.Itoa(MaxPageSize))
	}
	return p, nil
}

// Users implements AdminService.
func (s *Service) Users(ctx context.Context, actorID string, f UserFilter, page Page) (*UserPage, error) {
	if err := s.requireAdmin(ctx, actorID); err != nil {
		return nil, err
	}
	page, err := checkPage(page)
	if err != nil {
		return nil, err
	}
	if f.Role != nil && !f.Role.Valid() {
		return nil, invalid("role", "role must be USER, PRO or ADMIN")
	}
	if len(f.Search) > MaxEmailLength {
		return nil, invalid("search", "search must be at most 254 characters long")
	}
	return s.store.SearchUsers(ctx, f, page)
}

// SetRole implements AdminService.
func (s *Service) SetRole(ctx context.Context, actorID, userID string, role Role) (*User, error) {
	if err := s.requireAdmin(ctx, actorID); err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, invalid("role", "role must be USER, PRO or ADMIN")
	}
	if userID == actorID && role != RoleAdmin {
		return nil, errs.E(errs.Conflict, ErrCannotDemoteSelf)
	}
	before, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	u, err := s.store.SetRole(ctx, userID, role)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, AuditRoleChanged, actorID, userID, "", map[string]string{"from": string(before.Role), "to": string(role)})
	return u, nil
}

// SetActive implements AdminService.
func (s *Service) SetActive(ctx context.Context, actorID, userID string, active bool) (*User, error) {
	if err := s.requireAdmin(ctx, actorID); err != nil {
		return nil, err
	}
	if userID == actorID && !active {
		return nil, errs.E(errs.Conflict, ErrCannotDemoteSelf)
	}
	u, err := s.store.SetActive(ctx, userID, active)
	if err != nil {
		return nil, err
	}
	if active {
		s.audit(ctx, AuditUserReactivated, actorID, userID, "", nil)
		return u, nil
	}
	ended, err := s.store.EndSessions(ctx, userID, "", false, "deactivated")
	if err != nil {
		return nil, err
	}
	s.ended(ctx, userID, ended, "deactivated")
	s.audit(ctx, AuditUserDeactivated, actorID, userID, "", map[string]string{"endedSessions": strconv.Itoa(len(ended))})
	return u, nil
}

// EndUserSessions implements AdminService.
func (s *Service) EndUserSessions(ctx context.Context, actorID, userID string) (int, error) {
	if err := s.requireAdmin(ctx, actorID); err != nil {
		return 0, err
	}
	if _, err := s.store.UserByID(ctx, userID); err != nil {
		return 0, err
	}
	ended, err := s.store.EndSessions(ctx, userID, "", false, "ended_by_admin")
	if err != nil {
		return 0, err
	}
	s.ended(ctx, userID, ended, "ended_by_admin")
	s.audit(ctx, AuditUserSessionsEnded, actorID, userID, "", map[string]string{"endedSessions": strconv.Itoa(len(ended))})
	return len(ended), nil
}

// AuditLog implements AdminService.
func (s *Service) AuditLog(ctx context.Context, actorID string, f AuditFilter, page Page) (*AuditPage, error) {
	if err := s.requireAdmin(ctx, actorID); err != nil {
		return nil, err
	}
	page, err := checkPage(page)
	if err != nil {
		return nil, err
	}
	return s.store.AuditLog(ctx, f, page)
}

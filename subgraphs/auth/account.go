package auth

import (
	"context"
	"net/url"
	"strings"

	"fedstack/platform/errs"
	"fedstack/subgraphs/auth/mail"
)

// UpdateProfile implements AuthService.
func (s *Service) UpdateProfile(ctx context.Context, userID string, in ProfileInput) (*User, error) {
	if in.Name == nil {
		return s.store.UserByID(ctx, userID)
	}
	name, err := NormalizeName(*in.Name)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UpdateName(ctx, userID, name)
	if err != nil {
		return nil, err
	}
	s.audit(ctx, AuditProfileUpdated, userID, userID, "", map[string]string{"name": name})
	return u, nil
}

// ChangePassword implements AuthService.
func (s *Service) ChangePassword(ctx context.Context, userID, sessionID string, in ChangePasswordInput) (int, error) {
	account := "change-password:" + userID
	if s.limiter != nil {
		if err := s.limiter.Locked(ctx, s.policy.Lockout, account); err != nil {
			return 0, err
		}
	}
	if err := checkNewPassword("newPassword", in.NewPassword); err != nil {
		return 0, err
	}
	user, hash, err := s.store.CredentialsByID(ctx, userID)
	if err != nil {
		return 0, err
	}
	ok := false
	if len(in.CurrentPassword) <= maxLoginPasswordBytes {
		if ok, err = s.hasher.Verify(ctx, in.CurrentPassword, hash); err != nil {
			return 0, errs.Wrap(err, "verifying the password of user %s", user.ID)
		}
	}
	if !ok {
		if s.limiter != nil {
			if err := s.limiter.Failed(ctx, s.policy.Lockout, account); err != nil {
				return 0, err
			}
		}
		return 0, invalid("currentPassword", ErrWrongPassword)
	}
	if s.limiter != nil {
		_ = s.limiter.Succeeded(ctx, s.policy.Lockout, account)
	}
	newHash, err := s.hasher.Hash(ctx, in.NewPassword)
	if err != nil {
		return 0, errs.Wrap(err, "hashing password")
	}
	if err := s.store.SetPasswordHash(ctx, userID, newHash); err != nil {
		return 0, err
	}
	ended, err := s.store.EndSessions(ctx, userID, sessionID, false, "password_changed")
	if err != nil {
		return 0, err
	}
	s.ended(ctx, userID, ended, "password_changed")
	s.audit(ctx, AuditPasswordChanged, userID, userID, sessionID, nil)
	return len(ended), nil
}

// Sessions implements AuthService.
func (s *Service) Sessions(ctx context.Context, userID string) ([]*Session, error) {
	return s.store.LiveSessions(ctx, userID, s.policy.SessionIdle)
}

// EndSession implements AuthService.
func (s *Service) EndSession(ctx context.Context, userID, sessionID string) error {
	ended, err := s.store.EndSessions(ctx, userID, sessionID, true, "ended_by_user")
	if err != nil {
		return err
	}
	if len(ended) == 0 {
		return errs.E(errs.NotFound, ErrSessionNotFound)
	}
	s.ended(ctx, userID, ended, "ended_by_user")
	s.audit(ctx, AuditSessionEnded, userID, userID, sessionID, nil)
	return nil
}

// RequestEmailVerification implements AuthService.
func (s *Service) RequestEmailVerification(ctx context.Context, userID string) error {
	user, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if user.EmailVerifiedAt != nil {
		return errs.E(errs.Conflict, "your email address is already verified")
	}
	if err := s.allow(ctx, s.policy.MailPerAccount, user.ID); err != nil {
		return err
	}
	if err := s.sendVerification(ctx, user); err != nil {
		return errs.Wrap(err, "sending the verification mail")
	}
	return nil
}

// mailToken makes a single-use token for user, stores its hash and returns the
// link that carries it.
func (s *Service) mailToken(ctx context.Context, user *User, purpose MailPurpose, path string) (string, error) {
	t := s.refresh.New() // 256 random bits, like a refresh token
	ttl := s.policy.VerifyLinkTTL
	if purpose == PurposeResetPassword {
		ttl = s.policy.ResetLinkTTL
	}
	if err := s.store.CreateMailToken(ctx, user.ID, purpose, HashToken(t), s.now().Add(ttl)); err != nil {
		return "", err
	}
	return s.publicURL + path + "?token=" + url.QueryEscape(t), nil
}

func (s *Service) sendVerification(ctx context.Context, user *User) error {
	if s.mailer == nil {
		return errs.E(errs.Internal, "no mailer configured")
	}
	link, err := s.mailToken(ctx, user, PurposeVerifyEmail, "/verify-email")
	if err != nil {
		return err
	}
	return s.mailer.Send(ctx, mail.VerificationMail(user.Email, user.Name, link, s.policy.VerifyLinkTTL))
}

// VerifyEmail implements AuthService.
func (s *Service) VerifyEmail(ctx context.Context, token string) (*User, error) {
	token = strings.TrimSpace(token)
	if !s.refresh.WellFormed(token) {
		return nil, invalid("token", ErrMailLinkInvalid)
	}
	user, err := s.store.UseMailToken(ctx, PurposeVerifyEmail, HashToken(token))
	if errs.CodeOf(err) == errs.NotFound {
		return nil, invalid("token", ErrMailLinkInvalid)
	}
	if err != nil {
		return nil, err
	}
	s.audit(ctx, AuditEmailVerified, user.ID, user.ID, "", map[string]string{"email": user.Email})
	return user, nil
}

// RequestPasswordReset implements AuthService.
func (s *Service) RequestPasswordReset(ctx context.Context, email string) error {
	if err := s.allow(ctx, s.policy.ResetPerIP, ClientFrom(ctx).IP); err != nil {
		return err
	}
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	if err := s.allow(ctx, s.policy.ResetPerAccount, email); err != nil {
		return err
	}
	user, _, err := s.store.CredentialsByEmail(ctx, email)
	if errs.CodeOf(err) == errs.NotFound {
		return nil // the same answer as for a known address
	}
	if err != nil {
		return err
	}
	if !user.Active {
		return nil
	}
	if s.mailer == nil {
		return errs.E(errs.Internal, "no mailer configured")
	}
	link, err := s.mailToken(ctx, user, PurposeResetPassword, "/reset-password")
	if err != nil {
		return err
	}
	s.audit(ctx, AuditResetRequested, "", user.ID, "", nil)
	// Sent after the answer, so a known address answers as fast as an unknown one.
	go func() {
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideEffectTimeout)
		defer cancel()
		if err := s.mailer.Send(mctx, mail.PasswordResetMail(user.Email, user.Name, link, s.policy.ResetLinkTTL)); err != nil {
			s.logger.ErrorContext(ctx, "sending the password reset mail failed", "user_id", user.ID, "error", err)
		}
	}()
	return nil
}

// ResetPassword implements AuthService.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) error {
	token = strings.TrimSpace(token)
	if !s.refresh.WellFormed(token) {
		return invalid("token", ErrMailLinkInvalid)
	}
	// Check the new password first, so a refused one does not use up the link.
	if err := checkNewPassword("newPassword", newPassword); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return errs.Wrap(err, "hashing password")
	}
	user, err := s.store.UseMailToken(ctx, PurposeResetPassword, HashToken(token))
	if errs.CodeOf(err) == errs.NotFound {
		return invalid("token", ErrMailLinkInvalid)
	}
	if err != nil {
		return err
	}
	if err := s.store.SetPasswordHash(ctx, user.ID, hash); err != nil {
		return err
	}
	ended, err := s.store.EndSessions(ctx, user.ID, "", false, "password_reset")
	if err != nil {
		return err
	}
	s.ended(ctx, user.ID, ended, "password_reset")
	if s.limiter != nil {
		_ = s.limiter.Succeeded(ctx, s.policy.Lockout, user.Email)
	}
	s.audit(ctx, AuditPasswordReset, user.ID, user.ID, "", nil)
	return nil
}

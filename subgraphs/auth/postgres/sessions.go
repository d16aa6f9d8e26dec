package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"fedstack/platform/errs"
	"fedstack/subgraphs/auth"
)

const sessionColumns = `id, user_id, created_at, last_seen_at, expires_at, revoked_at, device, user_agent, ip`

func scanSession(row pgx.Row) (*auth.Session, error) {
	var (
		s        auth.Session
		id, user pgtype.UUID
	)
	if err := row.Scan(&id, &user, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.RevokedAt,
		&s.Device, &s.UserAgent, &s.IP); err != nil {
		return nil, err
	}
	s.ID = formatUUID(id.Bytes)
	s.UserID = formatUUID(user.Bytes)
	s.CreatedAt = s.CreatedAt.UTC()
	s.LastSeenAt = s.LastSeenAt.UTC()
	s.ExpiresAt = s.ExpiresAt.UTC()
	s.RevokedAt = utcPtr(s.RevokedAt)
	return &s, nil
}

// Refresh implements auth.UserStore: in one transaction it locks the presented
// token and its session, then rotates, replays, or ends the session.
func (s *Store) Refresh(ctx context.Context, req auth.RefreshRequest) (*auth.RefreshResult, error) {
	var res *auth.RefreshResult
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One statement reads and locks the token and its session, and reads the user.
		var (
			tokenID pgtype.UUID
			usedAt  *time.Time
			now     time.Time
			sess    auth.Session
			sid     pgtype.UUID
			uid     pgtype.UUID
			u       auth.User
			role    string
		)
		err := tx.QueryRow(ctx,
			`SELECT rt.id, rt.used_at, now(),
			        s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.revoked_at, s.device, s.user_agent, s.ip,
			        u.email, u.name, u.role, u.created_at, u.password_changed_at, u.last_login_at, u.updated_at, u.active, u.email_verified_at
			 FROM refresh_tokens rt
			 JOIN sessions s ON s.id = rt.session_id
			 JOIN users u ON u.id = s.user_id
			 WHERE rt.token_hash = $1
			 FOR UPDATE OF rt, s`, req.TokenHash).Scan(
			&tokenID, &usedAt, &now,
			&sid, &uid, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &sess.RevokedAt, &sess.Device, &sess.UserAgent, &sess.IP,
			&u.Email, &u.Name, &role, &u.CreatedAt, &u.PasswordChangedAt, &u.LastLoginAt, &u.UpdatedAt, &u.Active, &u.EmailVerifiedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			res = &auth.RefreshResult{Outcome: auth.RefreshInvalid}
			return nil
		}
		if err != nil {
			return err
		}
		sessionID := sid
		sess.ID, sess.UserID = formatUUID(sid.Bytes), formatUUID(uid.Bytes)
		sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = sess.CreatedAt.UTC(), sess.LastSeenAt.UTC(), sess.ExpiresAt.UTC()
		sess.RevokedAt = utcPtr(sess.RevokedAt)
		u.ID, u.Role = sess.UserID, auth.Role(role)
		u.CreatedAt, u.PasswordChangedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.PasswordChangedAt.UTC(), u.UpdatedAt.UTC()
		u.LastLoginAt, u.EmailVerifiedAt = utcPtr(u.LastLoginAt), utcPtr(u.EmailVerifiedAt)
		res = &auth.RefreshResult{User: &u, Session: &sess}
		endSession := func(reason string) error {
			_, err := tx.Exec(ctx, `UPDATE sessions SET revoked_at = now(), end_reason = $2 WHERE id = $1`, sessionID, reason)
			t := now.UTC()
			sess.RevokedAt = &t
			return err
		}
		switch {
		case sess.RevokedAt != nil || !u.Active:
			res.Outcome = auth.RefreshSessionEnded
			return nil
		case !now.Before(sess.ExpiresAt) || (req.IdleTimeout > 0 && now.Sub(sess.LastSeenAt) >= req.IdleTimeout):
			res.Outcome = auth.RefreshExpired
			return endSession("expired")
		case usedAt == nil:
			// Mark it used, store its child and record the activity, in one statement.
			ua, ip := sess.UserAgent, sess.IP
			if req.Client.UserAgent != "" {
				ua = req.Client.UserAgent
			}
			if req.Client.IP != "" {
				ip = req.Client.IP
			}
			if err := tx.QueryRow(ctx,
				`WITH used AS (UPDATE refresh_tokens SET used_at = now() WHERE id = $1),
				      child AS (INSERT INTO refresh_tokens (session_id, token_hash, parent_id) VALUES ($2, $3, $1))
				 UPDATE sessions SET last_seen_at = now(), user_agent = $4, ip = $5 WHERE id = $2 RETURNING last_seen_at`,
				tokenID, sessionID, req.ChildHash, ua, ip).Scan(&sess.LastSeenAt); err != nil {
				return err
			}
			sess.LastSeenAt = sess.LastSeenAt.UTC()
			sess.UserAgent, sess.IP = ua, ip
			res.Outcome = auth.RefreshRotated
			return nil
		case now.Sub(*usedAt) <= req.Grace:
			// Two tabs refreshing at once: the second gets the first one's child,
			// provided that child is the one this parent produced.
			var n int
			if err := tx.QueryRow(ctx,
				`SELECT count(*) FROM refresh_tokens WHERE parent_id = $1 AND token_hash = $2`,
				tokenID, req.ChildHash).Scan(&n); err != nil {
				return err
			}
			if n == 1 {
				res.Outcome = auth.RefreshReplayed
				return nil
			}
			res.Outcome = auth.RefreshReused
			return endSession("refresh_token_reused")
		default:
			res.Outcome = auth.RefreshReused
			return endSession("refresh_token_reused")
		}
	})
	if err != nil {
		return nil, errs.Wrap(err, "refreshing a session")
	}
	return res, nil
}

// LiveSessions implements auth.UserStore: sessions not ended, not past their
// absolute expiry, and refreshed within idle; newest activity first.
func (s *Store) LiveSessions(ctx context.Context, userID string, idle time.Duration) ([]*auth.Session, error) {
	uid, ok := parseUUID(userID)
	if !ok {
		return []*auth.Session{}, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+sessionColumns+` FROM sessions
		WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > now()
		  AND last_seen_at > now() - make_interval(secs => $2)
		ORDER BY last_seen_at DESC, id`, uid, idle.Seconds())
	if err != nil {
		return nil, errs.Wrap(err, "listing sessions")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*auth.Session, error) { return scanSession(r) })
	if err != nil {
		return nil, errs.Wrap(err, "listing sessions")
	}
	return out, nil
}

// CredentialsByID implements auth.UserStore.
func (s *Store) CredentialsByID(ctx context.Context, userID string) (*auth.User, string, error) {
	uid, ok := parseUUID(userID)
	if !ok {
		return nil, "", errs.E(errs.NotFound, "user not found")
	}
	var hash string
	u, err := scanUser(s.pool.QueryRow(ctx,
		`SELECT `+userColumns+`, password_hash FROM users WHERE id = $1`, uid), &hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, "", errs.E(errs.NotFound, "user not found")
	}
	if err != nil {
		return nil, "", errs.Wrap(err, "reading user")
	}
	return u, hash, nil
}

// updateUser runs an UPDATE ... RETURNING userColumns on one user.
func (s *Store) updateUser(ctx context.Context, userID, set string, args ...any) (*auth.User, error) {
	uid, ok := parseUUID(userID)
	if !ok {
		return nil, errs.E(errs.NotFound, "user not found")
	}
	u, err := scanUser(s.pool.QueryRow(ctx,
		`UPDATE users SET `+set+`, updated_at = now() WHERE id = $1 RETURNING `+userColumns,
		append([]any{uid}, args...)...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "user not found")
	}
	if err != nil {
		return nil, errs.Wrap(err, "updating user")
	}
	return u, nil
}

// UpdateName implements auth.UserStore.
func (s *Store) UpdateName(ctx context.Context, userID, name string) (*auth.User, error) {
	return s.updateUser(ctx, userID, `name = $2`, name)
}

// SetPasswordHash implements auth.UserStore.
func (s *Store) SetPasswordHash(ctx context.Context, userID, hash string) error {
	_, err := s.updateUser(ctx, userID, `password_hash = $2, password_changed_at = now()`, hash)
	return err
}

// SetRole implements auth.UserStore.
func (s *Store) SetRole(ctx context.Context, userID string, role auth.Role) (*auth.User, error) {
	return s.updateUser(ctx, userID, `role = $2`, string(role))
}

// SetActive implements auth.UserStore.
func (s *Store) SetActive(ctx context.Context, userID string, active bool) (*auth.User, error) {
	return s.updateUser(ctx, userID, `active = $2`, active)
}

// CreateMailToken implements auth.UserStore. Earlier unused tokens of the same
// purpose stop working: only the newest link does.
func (s *Store) CreateMailToken(ctx context.Context, userID string, purpose auth.MailPurpose, hash []byte, expiresAt time.Time) error {
	uid, ok := parseUUID(userID)
	if !ok {
		return errs.E(errs.NotFound, "user not found")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx,
			`DELETE FROM mail_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
			uid, string(purpose)); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx,
			`INSERT INTO mail_tokens (token_hash, user_id, purpose, email, expires_at)
			 SELECT $1, id, $3, email, $4 FROM users WHERE id = $2`,
			hash, uid, string(purpose), expiresAt)
		if err == nil && tag.RowsAffected() == 0 {
			return pgx.ErrNoRows
		}
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.E(errs.NotFound, "user not found")
	}
	if err != nil {
		return errs.Wrap(err, "storing a mail token")
	}
	return nil
}

// UseMailToken implements auth.UserStore. Both purposes prove the owner reads the
// mailbox, so both mark the email verified when it has not changed since.
func (s *Store) UseMailToken(ctx context.Context, purpose auth.MailPurpose, hash []byte) (*auth.User, error) {
	var user *auth.User
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			uid   pgtype.UUID
			email string
		)
		err := tx.QueryRow(ctx,
			`UPDATE mail_tokens SET used_at = now()
			 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
			 RETURNING user_id, email`, hash, string(purpose)).Scan(&uid, &email)
		if err != nil {
			return err
		}
		user, err = scanUser(tx.QueryRow(ctx,
			`UPDATE users SET email_verified_at = coalesce(email_verified_at, now()),
			        updated_at = now()
			 WHERE id = $1 AND email = $2 RETURNING `+userColumns, uid, email))
		if errors.Is(err, pgx.ErrNoRows) { // the address changed since the mail went out
			return pgx.ErrNoRows
		}
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, errs.E(errs.NotFound, "no such live token")
	}
	if err != nil {
		return nil, errs.Wrap(err, "using a mail token")
	}
	return user, nil
}

package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"fedstack/platform/errs"
	platformpg "fedstack/platform/postgres"
	"fedstack/subgraphs/auth"
)

// Cursors are opaque to clients: platformpg.KeysetCursor of the user's creation time and
// id for users, base64url of the event id for the audit log.

func userCursor(u *auth.User) string { return platformpg.KeysetCursor(u.CreatedAt, u.ID) }

// likePattern escapes LIKE's wildcards in s and wraps it in %...%.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// SearchUsers implements auth.UserStore with keyset pagination on (created_at, id).
func (s *Store) SearchUsers(ctx context.Context, f auth.UserFilter, page auth.Page) (*auth.UserPage, error) {
	where := []string{"true"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		p := arg(likePattern(q))
		where = append(where, "(lower(email) LIKE "+p+" OR lower(name) LIKE "+p+")")
	}
	if f.Role != nil {
		where = append(where, "role = "+arg(string(*f.Role)))
	}
	if f.Active != nil {
		where = append(where, "active = "+arg(*f.Active))
	}
	if page.After != "" {
		at, id, err := platformpg.ParseKeysetCursor(page.After)
		if err != nil {
			return nil, err
		}
		where = append(where, "(created_at, id) < ("+arg(at)+", "+arg(id)+")")
	}
	limit := arg(page.First + 1)
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users WHERE `+strings.Join(where, " AND ")+
		` ORDER BY created_at DESC, id DESC LIMIT `+limit, args...)
	if err != nil {
		return nil, errs.Wrap(err, "searching users")
	}
	users, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*auth.User, error) { return scanUser(r) })
	if err != nil {
		return nil, errs.Wrap(err, "searching users")
	}
	out := &auth.UserPage{Users: users}
	if len(users) > page.First {
		out.Users, out.HasNextPage = users[:page.First], true
	}
	if n := len(out.Users); n > 0 {
		out.EndCursor = userCursor(out.Users[n-1])
	}
	return out, nil
}

// nullUUID converts an optional id for an audit column.
func nullUUID(id string) pgtype.UUID {
	u, _ := parseUUID(id)
	return u
}

// Audit implements auth.UserStore.
func (s *Store) Audit(ctx context.Context, e auth.AuditEvent) error {
	detail := []byte("{}")
	if len(e.Detail) > 0 {
		var err error
		if detail, err = json.Marshal(e.Detail); err != nil {
			return errs.Wrap(err, "encoding audit detail")
		}
	}
	_, err := s.pool.Exec(ctx,
		`INSERT INTO audit_events (action, actor_id, user_id, session_id, ip, user_agent, detail)
		 VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		e.Action, nullUUID(e.ActorID), nullUUID(e.UserID), nullUUID(e.SessionID), e.IP, e.UserAgent, detail)
	if err != nil {
		return errs.Wrap(err, "writing the audit log")
	}
	return nil
}

// AuditLog implements auth.UserStore.
func (s *Store) AuditLog(ctx context.Context, f auth.AuditFilter, page auth.Page) (*auth.AuditPage, error) {
	where := []string{"true"}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.UserID != "" {
		uid, ok := parseUUID(f.UserID)
		if !ok {
			return &auth.AuditPage{Events: []*auth.AuditEvent{}}, nil
		}
		where = append(where, "user_id = "+arg(uid))
	}
	if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if page.After != "" {
		raw, err := base64.RawURLEncoding.DecodeString(page.After)
		id, perr := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || perr != nil {
			e := errs.E(errs.Invalid, "after is not a cursor from this list")
			e.Field = "after"
			return nil, e
		}
		where = append(where, "id < "+arg(id))
	}
	limit := arg(page.First + 1)
	rows, err := s.pool.Query(ctx, `SELECT id, at, action, actor_id, user_id, session_id, ip, user_agent, detail
		FROM audit_events WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT `+limit, args...)
	if err != nil {
		return nil, errs.Wrap(err, "reading the audit log")
	}
	events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*auth.AuditEvent, error) {
		var (
			e                  auth.AuditEvent
			actor, user, sessn pgtype.UUID
			detail             []byte
		)
		if err := r.Scan(&e.ID, &e.At, &e.Action, &actor, &user, &sessn, &e.IP, &e.UserAgent, &detail); err != nil {
			return nil, err
		}
		e.At = e.At.UTC()
		if actor.Valid {
			e.ActorID = formatUUID(actor.Bytes)
		}
		if user.Valid {
			e.UserID = formatUUID(user.Bytes)
		}
		if sessn.Valid {
			e.SessionID = formatUUID(sessn.Bytes)
		}
		if err := json.Unmarshal(detail, &e.Detail); err != nil {
			return nil, errors.New("audit detail is not a JSON object of strings")
		}
		return &e, nil
	})
	if err != nil {
		return nil, errs.Wrap(err, "reading the audit log")
	}
	out := &auth.AuditPage{Events: events}
	if len(events) > page.First {
		out.Events, out.HasNextPage = events[:page.First], true
	}
	if n := len(out.Events); n > 0 {
		out.EndCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(out.Events[n-1].ID, 10)))
	}
	return out, nil
}

package postgres

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"fedstack/platform/errs"
)

// ParseUUID reads the canonical 8-4-4-4-12 hex form (any case). Anything else is no id at
// all, so stores answer NOT_FOUND for it rather than a database error.
func ParseUUID(s string) (pgtype.UUID, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return pgtype.UUID{}, false
	}
	var u pgtype.UUID
	if _, err := hex.Decode(u.Bytes[:], []byte(s[0:8]+s[9:13]+s[14:18]+s[19:23]+s[24:36])); err != nil {
		return pgtype.UUID{}, false
	}
	u.Valid = true
	return u, true
}

// FormatUUID writes b in the canonical lower-case form.
func FormatUUID(b [16]byte) string {
	var buf [36]byte
	hex.Encode(buf[0:8], b[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], b[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], b[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], b[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:36], b[10:16])
	return string(buf[:])
}

// KeysetCursor is the opaque cursor of a list ordered by (a timestamp, a uuid): base64url
// of "<unix microseconds>|<uuid>" (PostgreSQL keeps microseconds).
func KeysetCursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + "|" + id))
}

// ParseKeysetCursor reads a KeysetCursor; anything else is INVALID on the field "after".
func ParseKeysetCursor(c string) (time.Time, pgtype.UUID, error) {
	bad := errs.E(errs.Invalid, "after is not a cursor from this list; start again without it")
	bad.Field = "after"
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, pgtype.UUID{}, bad
	}
	us, id, ok := strings.Cut(string(raw), "|")
	n, err := strconv.ParseInt(us, 10, 64)
	uid, uidOK := ParseUUID(id)
	if !ok || err != nil || !uidOK {
		return time.Time{}, pgtype.UUID{}, bad
	}
	return time.UnixMicro(n), uid, nil
}

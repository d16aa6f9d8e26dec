package postgres

import (
	"testing"
	"time"

	"fedstack/platform/errs"
)

func TestUUIDAndKeysetCursor(t *testing.T) {
	const id = "0b7f8e2a-4c1d-4e5f-9a6b-7c8d9e0f1a2b"
	u, ok := ParseUUID("0B7F8E2A-4C1D-4E5F-9A6B-7C8D9E0F1A2B")
	if !ok || FormatUUID(u.Bytes) != id {
		t.Fatalf("ParseUUID/FormatUUID: %v %v", u, ok)
	}
	for _, bad := range []string{"", "nope", id[:35], "0b7f8e2a_4c1d-4e5f-9a6b-7c8d9e0f1a2b", "zb7f8e2a-4c1d-4e5f-9a6b-7c8d9e0f1a2b"} {
		if _, ok := ParseUUID(bad); ok {
			t.Errorf("ParseUUID(%q) accepted", bad)
		}
	}
	at := time.Date(2026, 11, 29, 10, 0, 0, 123456000, time.UTC)
	gotAt, gotID, err := ParseKeysetCursor(KeysetCursor(at, id))
	if err != nil || !gotAt.Equal(at) || FormatUUID(gotID.Bytes) != id {
		t.Fatalf("round trip: %v %v %v", gotAt, gotID, err)
	}
	for _, bad := range []string{"garbage!", KeysetCursor(at, "nope"), "MTIz"} {
		if _, _, err := ParseKeysetCursor(bad); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("ParseKeysetCursor(%q) = %v, want INVALID", bad, err)
		}
	}
}

package gqlserver_test

import (
	"bytes"
	"testing"
	"time"

	"fedstack/platform/gqlserver"
)

func TestDateTime(t *testing.T) {
	at := time.Date(2026, 11, 29, 7, 30, 0, 123_000_000, time.FixedZone("CET", 3600))
	var b bytes.Buffer
	gqlserver.MarshalDateTime(at).MarshalGQL(&b)
	if got := b.String(); got != `"2026-11-29T06:30:00.123Z"` {
		t.Fatalf("marshal = %s", got)
	}
	b.Reset()
	gqlserver.MarshalDateTime(time.Date(2026, 11, 29, 6, 30, 0, 0, time.UTC)).MarshalGQL(&b)
	if got := b.String(); got != `"2026-11-29T06:30:00Z"` {
		t.Fatalf("marshal = %s", got)
	}

	got, err := gqlserver.UnmarshalDateTime("2026-11-29T07:30:00.123+01:00")
	if err != nil || !got.Equal(at) || got.Location() != time.UTC {
		t.Fatalf("unmarshal = %v, %v", got, err)
	}
	for _, bad := range []any{"yesterday", 12, nil, "2026-11-29 06:30:00"} {
		if _, err := gqlserver.UnmarshalDateTime(bad); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

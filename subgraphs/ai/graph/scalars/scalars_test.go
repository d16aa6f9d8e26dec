package scalars_test

import (
	"bytes"
	"testing"
	"time"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/graph/scalars"
)

func TestDateTime(t *testing.T) {
	at := time.Date(2026, 11, 29, 7, 30, 0, 123_000_000, time.FixedZone("CET", 3600))
	var b bytes.Buffer
	scalars.MarshalDateTime(at).MarshalGQL(&b)
	if got := b.String(); got != `"2026-11-29T06:30:00.123Z"` {
		t.Fatalf("marshal = %s", got)
	}
	got, err := scalars.UnmarshalDateTime("2026-11-29T07:30:00.123+01:00")
	if err != nil || !got.Equal(at) || got.Location() != time.UTC {
		t.Fatalf("unmarshal = %v, %v", got, err)
	}
	for _, bad := range []any{"yesterday", 12, nil} {
		if _, err := scalars.UnmarshalDateTime(bad); err == nil {
			t.Errorf("accepted %v", bad)
		}
	}
}

func TestUSD(t *testing.T) {
	for m, want := range map[ai.Micros]string{0: `"0.000000"`, 150: `"0.000150"`, 2 * ai.Dollar: `"2.000000"`, 1_234_567: `"1.234567"`} {
		var b bytes.Buffer
		scalars.MarshalUSD(m).MarshalGQL(&b)
		if b.String() != want {
			t.Errorf("marshal %d = %s, want %s", m, b.String(), want)
		}
	}
	for in, want := range map[string]ai.Micros{"0.15": 150_000, "3": 3 * ai.Dollar, "0.000001": 1, " 2.5 ": 2_500_000} {
		got, err := scalars.UnmarshalUSD(in)
		if err != nil || got != want {
			t.Errorf("unmarshal %q = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []any{"-1", "0.0000001", "1e3", "abc", "", 3, 0.15, nil} {
		if _, err := scalars.UnmarshalUSD(bad); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("unmarshal %v: %v, want INVALID", bad, err)
		}
	}
}

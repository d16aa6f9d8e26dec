package scalars_test

import (
	"bytes"
	"testing"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/graph/scalars"
)

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

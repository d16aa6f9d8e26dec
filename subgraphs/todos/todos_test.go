package todos_test

import (
	"strings"
	"testing"

	"fedstack/platform/errs"
	"fedstack/subgraphs/todos"
)

func TestNormalizeTitle(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		code     errs.Code
	}{
		{in: "  buy milk \n", want: "buy milk"},
		{in: strings.Repeat("é", 500), want: strings.Repeat("é", 500)},
		{in: "", code: errs.Invalid},
		{in: " \t\n ", code: errs.Invalid},
		{in: strings.Repeat("x", 501), code: errs.Invalid},
		{in: "bad \xff byte", code: errs.Invalid},
	} {
		got, err := todos.NormalizeTitle(tc.in)
		if errs.CodeOf(err) != tc.code || got != tc.want {
			t.Errorf("NormalizeTitle(%.20q) = %.20q, %v; want %.20q, code %q", tc.in, got, err, tc.want, tc.code)
		}
	}
}

func TestErrors(t *testing.T) {
	if err := todos.InvalidID("nope"); errs.CodeOf(err) != errs.Invalid || err.Error() != `id "nope" is not a valid todo id` {
		t.Errorf("InvalidID: %v", err)
	}
	if err := todos.NotFound("abc"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("NotFound: %v", err)
	}
}

package todos_test

import (
	"encoding/json"
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
	if err := todos.InvalidID("nope"); errs.CodeOf(err) != errs.Invalid || err.Error() != `id "nope" is not a valid todo id (24 hexadecimal digits)` {
		t.Errorf("InvalidID: %v", err)
	}
	if err := todos.NotFound("abc"); errs.CodeOf(err) != errs.NotFound {
		t.Errorf("NotFound: %v", err)
	}
}

func TestTodoJSON(t *testing.T) {
	b, err := json.Marshal(todos.Todo{ID: "a", Title: "x", Priority: todos.PriorityNone})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	if m["dueOn"] != nil || m["tags"] == nil || len(m["tags"].([]any)) != 0 || m["title"] != "x" {
		t.Fatalf("JSON %s", b)
	}
	b, _ = json.Marshal(todos.Todo{DueOn: "2026-12-01", Tags: []string{"a"}})
	if !strings.Contains(string(b), `"dueOn":"2026-12-01"`) || !strings.Contains(string(b), `"tags":["a"]`) {
		t.Fatalf("JSON %s", b)
	}
}

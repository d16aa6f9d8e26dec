package httpjson

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"fedstack/platform/errs"
)

func TestDecode(t *testing.T) {
	type in struct {
		Name string `json:"name"`
		N    int    `json:"n"`
	}
	cases := []struct{ body, want string }{
		{`{"name":"a","n":1}`, ""},
		{``, "the body is empty"},
		{`{"name":`, "not valid JSON"},
		{`{"name":1}`, "name must be a string"},
		{`{"nope":1}`, `unknown field "nope"`},
		{`{"name":"a"} {}`, "exactly one JSON object"},
		{`{"name":"` + strings.Repeat("x", MaxBody) + `"}`, "larger than"},
	}
	for _, c := range cases {
		r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
		var v in
		err := Decode(httptest.NewRecorder(), r, &v)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("Decode(%.30q): %v", c.body, err)
		case c.want != "" && (errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.want)):
			t.Errorf("Decode(%.30q) = %v, want INVALID containing %q", c.body, err, c.want)
		}
	}
}

func TestRefuseNonJSON(t *testing.T) {
	for _, c := range []struct {
		method, ctype string
		refused       bool
	}{
		{"POST", "application/json", false},
		{"POST", "application/json; charset=utf-8", false},
		{"POST", "application/x-www-form-urlencoded", true},
		{"PATCH", "", true},
		{"GET", "", false},
		{"DELETE", "", false},
	} {
		r := httptest.NewRequest(c.method, "/", nil)
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		w := httptest.NewRecorder()
		if got := RefuseNonJSON(w, r); got != c.refused || (got && w.Code != http.StatusUnsupportedMediaType) {
			t.Errorf("%s %q: refused=%v status %d", c.method, c.ctype, got, w.Code)
		}
	}
}

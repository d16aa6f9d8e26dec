package transport

import "testing"

func TestNegotiate(t *testing.T) {
	cases := []struct {
		accept string
		want   string
		ok     bool
	}{
		{"", MediaJSON, true},
		{"application/json", MediaJSON, true},
		{"application/graphql-response+json", MediaGraphQLResponse, true},
		{"application/graphql-response+json, application/json;q=0.9", MediaGraphQLResponse, true},
		{"application/json, application/graphql-response+json;q=0.5", MediaJSON, true},
		{"*/*", MediaJSON, true},
		{"application/graphql-response+json, */*;q=0.5", MediaGraphQLResponse, true},
		{"text/plain", "", false},
		{"application/json; charset=iso-8859-1", "", false},
		{"application/json;q=0", "", false},
	}
	for _, c := range cases {
		got, ok := negotiate(c.accept)
		if got != c.want || ok != c.ok {
			t.Errorf("negotiate(%q) = %q, %v; want %q, %v", c.accept, got, ok, c.want, c.ok)
		}
	}
}

func TestDecodeBody(t *testing.T) {
	cases := []struct{ body, problem string }{
		{`{"query":"{a}"}`, ""},
		{`{"query":"{a}","variables":null,"operationName":null,"extensions":null}`, ""},
		{`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"abc"}}}`, ""},
		{`[]`, "the request body must be a JSON object with a query"},
		{`{"query":`, "the request body is not valid JSON: cannot parse JSON: cannot parse object: cannot parse object value: cannot parse empty string; unparsed tail: \"\""},
		{`null`, "the request body must be a JSON object with a query"},
		{`{}`, "the request body has no query: send {\"query\": \"{ ... }\"}"},
		{`{"query":1}`, "query must be a string"},
		{`{"query":"{a}","operationName":1}`, "operationName must be a string or null"},
		{`{"query":"{a}","variables":"x"}`, "variables must be a JSON object or null"},
		{`{"query":"{a}","extensions":[]}`, "extensions must be a JSON object or null"},
		{`{"query":"{a}"} {}`, "the request body is not valid JSON: unexpected tail: \"{}\""},
	}
	for _, c := range cases {
		var r Request
		if got := decodeBody([]byte(c.body), &r); got != c.problem {
			t.Errorf("decodeBody(%s) = %q, want %q", c.body, got, c.problem)
		}
	}
}

func TestInitAuthorization(t *testing.T) {
	cases := []struct {
		payload string
		want    string
		ok      bool
	}{
		{``, "", true},
		{`null`, "", true},
		{`{"authorization":"Bearer x"}`, "Bearer x", true},
		{`{"Authorization":"Bearer y"}`, "Bearer y", true},
		{`{"headers":{"Authorization":"Bearer z"}}`, "Bearer z", true},
		{`[1]`, "", false},
	}
	for _, c := range cases {
		got, ok := initAuthorization([]byte(c.payload))
		if got != c.want || ok != c.ok {
			t.Errorf("initAuthorization(%s) = %q, %v", c.payload, got, ok)
		}
	}
}

func TestDecodeBodyUnescapesAndCopies(t *testing.T) {
	body := []byte(`{"query":"query Q($a: String) { f(a: \"\u00e9\") }","operationName":"Q","variables":{"a":"x"}}`)
	var r Request
	if msg := decodeBody(body, &r); msg != "" {
		t.Fatal(msg)
	}
	// The parser goes back to its pool: what was kept must not change with its next use.
	var other Request
	decodeBody([]byte(`{"query":"{ zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz }","variables":{"b":"yyyyyyyyyy"}}`), &other)
	if r.Query != `query Q($a: String) { f(a: "é") }` || r.OperationName != "Q" || string(r.Variables) != `{"a":"x"}` {
		t.Fatalf("got %+v (variables %s)", r, r.Variables)
	}
}

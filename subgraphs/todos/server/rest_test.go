package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestREST: /api/todos follows the same rules and errors as the GraphQL API.
func TestREST(t *testing.T) {
	c, is := startTodos(t, "sqlite")
	alice, bob := uniqueUser("alice"), uniqueUser("bob")
	aliceTok, bobTok := is.token(t, alice, "USER"), is.token(t, bob, "USER")
	call := func(method, path, token, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, c.url+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		if len(raw) > 0 {
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatalf("%s %s: not JSON: %s", method, path, raw)
			}
		}
		return resp.StatusCode, out
	}
	errCode := func(body map[string]any) string {
		e, _ := body["error"].(map[string]any)
		code, _ := e["code"].(string)
		return code
	}

	status, td := call("POST", "/api/todos", aliceTok, `{"id":"7e0000000000000000000001","title":"  file taxes ","dueOn":"2027-04-15","tags":["money"]}`)
	if status != http.StatusCreated || td["title"] != "file taxes" || td["version"] != float64(1) || td["dueOn"] != "2027-04-15" {
		t.Fatalf("create: %d %v", status, td)
	}
	id := td["id"].(string)
	if status, again := call("POST", "/api/todos", aliceTok, `{"id":"7e0000000000000000000001","title":"file taxes"}`); status != http.StatusCreated || again["id"] != id {
		t.Fatalf("replayed create: %d %v", status, again)
	}
	status, list := call("GET", "/api/todos?filter=ACTIVE", aliceTok, "")
	if status != 200 || len(list["todos"].([]any)) != 1 || list["counts"].(map[string]any)["active"] != float64(1) {
		t.Fatalf("list: %d %v", status, list)
	}

	status, up := call("PATCH", "/api/todos/"+id, aliceTok, `{"version":1,"completed":true,"dueOn":null}`)
	if status != 200 || up["completed"] != true || up["dueOn"] != nil || up["version"] != float64(2) {
		t.Fatalf("patch: %d %v", status, up)
	}
	status, stale := call("PATCH", "/api/todos/"+id, aliceTok, `{"version":1,"title":"stale"}`)
	details, _ := stale["error"].(map[string]any)["details"].(map[string]any)
	if status != http.StatusConflict || errCode(stale) != "CONFLICT" || details["current"].(map[string]any)["version"] != float64(2) {
		t.Fatalf("stale patch: %d %v", status, stale)
	}

	for _, bad := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/api/todos", `{"title":""}`, 400, "INVALID"},
		{"POST", "/api/todos", `{"title":"x","colour":"red"}`, 400, "INVALID"},
		{"POST", "/api/todos", `{"title":"` + strings.Repeat("x", 501) + `"}`, 400, "INVALID"},
		{"PATCH", "/api/todos/not-an-id", `{"title":"x"}`, 400, "INVALID"},
		{"GET", "/api/todos?first=0", "", 400, "INVALID"},
		{"DELETE", "/api/todos/" + id + "?version=x", "", 400, "INVALID"},
	} {
		if status, body := call(bad.method, bad.path, aliceTok, bad.body); status != bad.status || errCode(body) != bad.code {
			t.Fatalf("%s %s %.40s: %d %v", bad.method, bad.path, bad.body, status, body)
		}
	}
	// Someone else's todo is NOT_FOUND, like a missing one; nothing changes.
	for _, op := range [][2]string{{"GET", ""}, {"PATCH", `{"title":"mine now"}`}, {"DELETE", ""}} {
		if status, body := call(op[0], "/api/todos/"+id, bobTok, op[1]); status != http.StatusNotFound || errCode(body) != "NOT_FOUND" {
			t.Fatalf("bob %s alice's todo: %d %v", op[0], status, body)
		}
	}
	if status, body := call("GET", "/api/todos", "", ""); status != http.StatusUnauthorized || errCode(body) != "UNAUTHENTICATED" {
		t.Fatalf("no token: %d %v", status, body)
	}
	req, _ := http.NewRequest("POST", c.url+"/api/todos", strings.NewReader(`title=x`))
	req.Header.Set("Authorization", "Bearer "+aliceTok)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("form post: %v %v", resp, err)
	}

	call("POST", "/api/todos", aliceTok, `{"title":"second"}`)
	if status, body := call("POST", "/api/todos/toggle-all", aliceTok, `{"completed":true}`); status != 200 || len(body["todos"].([]any)) != 1 {
		t.Fatalf("toggle-all: %d %v", status, body)
	}
	if status, body := call("POST", "/api/todos/clear-completed", aliceTok, `{}`); status != 200 || len(body["deletedIds"].([]any)) != 2 {
		t.Fatalf("clear-completed: %d %v", status, body)
	}
	status, _ = call("GET", "/api/todos/"+id, aliceTok, "")
	if status != http.StatusNotFound {
		t.Fatalf("after clearing, the todo: %d", status)
	}
	status, created := call("POST", "/api/todos", aliceTok, `{"title":"to delete"}`)
	if status != 201 {
		t.Fatal(created)
	}
	if status, _ := call("DELETE", "/api/todos/"+created["id"].(string)+"?version=1", aliceTok, ""); status != http.StatusNoContent {
		t.Fatalf("delete: %d", status)
	}
}

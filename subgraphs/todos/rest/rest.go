// Package rest serves the todos as JSON routes under /api/todos for clients that do not
// speak GraphQL, with the same rules and errors as the GraphQL API (it calls the same
// todos.Service). Requests carry the access token as "Authorization: Bearer <token>";
// there are no cookies here, so no CSRF exposure.
//
//	GET    /api/todos?filter=ALL|ACTIVE|COMPLETED&first=50&after=<cursor>
//	POST   /api/todos                  {id?, title, notes?, dueOn?, priority?, tags?}
//	GET    /api/todos/{id}
//	PATCH  /api/todos/{id}             {version?, title?, notes?, completed?, dueOn?, priority?, tags?}
//	DELETE /api/todos/{id}?version=N
//	POST   /api/todos/toggle-all       {completed}
//	POST   /api/todos/clear-completed  {}
package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"fedstack/platform/authn"
	"fedstack/platform/errs"
	"fedstack/platform/httpjson"
	"fedstack/subgraphs/todos"
)

type handler struct {
	svc      *todos.Service
	verifier *authn.Verifier
}

// New returns the handler of every /api/todos route.
func New(svc *todos.Service, verifier *authn.Verifier) http.Handler {
	h := &handler{svc: svc, verifier: verifier}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/todos", h.list)
	mux.HandleFunc("POST /api/todos", h.create)
	mux.HandleFunc("POST /api/todos/toggle-all", h.toggleAll)
	mux.HandleFunc("POST /api/todos/clear-completed", h.clearCompleted)
	mux.HandleFunc("GET /api/todos/{id}", h.get)
	mux.HandleFunc("PATCH /api/todos/{id}", h.update)
	mux.HandleFunc("DELETE /api/todos/{id}", h.remove)
	mux.HandleFunc("/api/todos/", func(w http.ResponseWriter, r *http.Request) {
		errs.WriteJSON(w, r, errs.E(errs.NotFound, "no route %s %s", r.Method, r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if httpjson.RefuseNonJSON(w, r) {
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// owner verifies the bearer token and returns its user.
func (h *handler) owner(w http.ResponseWriter, r *http.Request) (string, bool) {
	c, err := h.verifier.VerifyRequest(r)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return "", false
	}
	return c.UserID(), true
}

func (h *handler) list(w http.ResponseWriter, r *http.Request) {
	owner, ok := h.owner(w, r)
	if !ok {
		return
	}
	q := todos.ListQuery{Filter: todos.Filter(r.URL.Query().Get("filter")), After: r.URL.Query().Get("after")}
	if v := r.URL.Query().Get("first"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n == 0 {
			errs.WriteJSON(w, r, &errs.Error{Code: errs.Invalid, Field: "first", Message: "first must be between 1 and 200"})
			return
		}
		q.First = n
	}
	page, err := h.svc.List(r.Context(), owner, q)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	counts, err := h.svc.Counts(r.Context(), owner)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	list := page.Todos
	if list == nil {
		list = []*todos.Todo{}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{
		"todos":    list,
		"pageInfo": map[string]any{"endCursor": nullable(page.EndCursor), "hasNextPage": page.HasNextPage},
		"counts":   map[string]int{"all": counts.All, "active": counts.Active, "completed": counts.Completed},
	})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (h *handler) create(w http.ResponseWriter, r *http.Request) {
	owner, ok := h.owner(w, r)
	if !ok {
		return
	}
	var in struct {
		ID       string         `json:"id"`
		Title    string         `json:"title"`
		Notes    string         `json:"notes"`
		DueOn    *string        `json:"dueOn"`
		Priority todos.Priority `json:"priority"`
		Tags     []string       `json:"tags"`
	}
	if err := httpjson.Decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	t, err := h.svc.Create(r.Context(), owner, todos.NewTodo{
		ID: in.ID, Title: in.Title, Notes: in.Notes, DueOn: deref(in.DueOn), Priority: in.Priority, Tags: in.Tags,
	})
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/todos/"+t.ID)
	httpjson.Write(w, http.StatusCreated, t)
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	owner, ok := h.owner(w, r)
	if !ok {
		return
	}
	t, err := h.svc.Get(r.Context(), owner, r.PathValue("id"))
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, t)
}

func (h *handler) update(w http.ResponseWriter, r *http.Request) {
	owner, ok := h.owner(w, r)
	if !ok {
		return
	}
	var in struct {
		Version   int             `json:"version"`
		Title     *string         `json:"title"`
		Notes     *string         `json:"notes"`
		Completed *bool           `json:"completed"`
		DueOn     json.RawMessage `json:"dueOn"`
		Priority  *todos.Priority `json:"priority"`
		Tags      *[]string       `json:"tags"`
	}
	if err := httpjson.Decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	p := todos.Patch{Title: in.Title, Notes: in.Notes, Completed: in.Completed, Priority: in.Priority, Tags: in.Tags}
	if len(in.DueOn) > 0 { // present: a date, or null to clear it
		var due *string
		if !bytes.Equal(in.DueOn, []byte("null")) {
			if err := json.Unmarshal(in.DueOn, &due); err != nil {
				errs.WriteJSON(w, r, &errs.Error{Code: errs.Invalid, Field: "dueOn", Message: "dueOn must be a date like 2026-12-31, or null"})
				return
			}
		}
		d := deref(due)
		p.DueOn = &d
	}
	t, err := h.svc.Update(r.Context(), owner, r.PathValue("id"), in.Version, p)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, t)
}

func (h *handler) remove(w http.ResponseWriter, r *http.Request) {
	owner, ok := h.owner(w, r)
	if !ok {
		return
	}
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs.WriteJSON(w, r, &errs.Error{Code: errs.Invalid, Field: "version", Message: "version must be a positive number"})
			return
		}
		version = n
	}
	if err := h.svc.Delete(r.Context(), owner, r.PathValue("id"), version); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *handler) toggleAll(w http.ResponseWriter, r *http.Request) {
	owner, ok := h.owner(w, r)
	if !ok {
		return
	}
	var in struct {
		Completed *bool `json:"completed"`
	}
	if err := httpjson.Decode(w, r, &in); err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	if in.Completed == nil {
		errs.WriteJSON(w, r, &errs.Error{Code: errs.Invalid, Field: "completed", Message: "completed is required: true or false"})
		return
	}
	changed, err := h.svc.SetAllCompleted(r.Context(), owner, *in.Completed)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"todos": orEmpty(changed)})
}

func (h *handler) clearCompleted(w http.ResponseWriter, r *http.Request) {
	owner, ok := h.owner(w, r)
	if !ok {
		return
	}
	if r.ContentLength != 0 {
		var in struct{}
		if err := httpjson.Decode(w, r, &in); err != nil {
			errs.WriteJSON(w, r, err)
			return
		}
	}
	ids, err := h.svc.ClearCompleted(r.Context(), owner)
	if err != nil {
		errs.WriteJSON(w, r, err)
		return
	}
	if ids == nil {
		ids = []string{}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"deletedIds": ids})
}

func orEmpty(list []*todos.Todo) []*todos.Todo {
	if list == nil {
		return []*todos.Todo{}
	}
	return list
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

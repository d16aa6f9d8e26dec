// Package todos is the domain of the todos subgraph: what a todo is, what may be done with
// one, and the rules a title follows. It does no I/O; storage lives in ./mongo, the realtime
// fan-out in ./realtime, the GraphQL layer in ./graph and the wiring in ./server.
package todos

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fedstack/platform/errs"
)

// MaxTitleLength is the longest title accepted, in characters, after trimming.
const MaxTitleLength = 500

// Todo is a thing to do, owned by one user.
type Todo struct {
	ID        string    `json:"id"`
	OwnerID   string    `json:"ownerId"`
	Title     string    `json:"title"`
	Completed bool      `json:"completed"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// IsEntity marks Todo as a federation entity (a member of the _Entity union) for the
// gqlgen code in ./graph, which binds this type directly.
func (Todo) IsEntity() {}

// Filter selects todos by state.
type Filter string

// The filters of the TodoMVC spec.
const (
	FilterAll       Filter = "ALL"
	FilterActive    Filter = "ACTIVE"
	FilterCompleted Filter = "COMPLETED"
)

// Valid reports whether f is one of the known filters.
func (f Filter) Valid() bool {
	switch f {
	case FilterAll, FilterActive, FilterCompleted:
		return true
	}
	return false
}

// ChangeKind says what happened to a todo.
type ChangeKind string

// The kinds of change.
const (
	Created ChangeKind = "CREATED"
	Updated ChangeKind = "UPDATED"
	Deleted ChangeKind = "DELETED"
)

// Valid reports whether k is one of the known kinds.
func (k ChangeKind) Valid() bool {
	switch k {
	case Created, Updated, Deleted:
		return true
	}
	return false
}

// TodoChange is one change to a user's todo, as published to every instance and delivered
// to the owner's subscriptions. Todo is the todo after the change, nil when it was deleted.
type TodoChange struct {
	Kind   ChangeKind `json:"kind"`
	TodoID string     `json:"todoId"`
	Todo   *Todo      `json:"todo"`
}

// TodoService stores todos. Every method that takes an owner acts on that owner's todos
// only: another user's todo is reported exactly like a missing one (NOT_FOUND), so its
// existence never leaks. A malformed id is INVALID.
type TodoService interface {
	// CreateTodo adds a todo with a title checked by [NormalizeTitle].
	CreateTodo(ctx context.Context, ownerID, title string) (*Todo, error)
	// FindTodos lists the owner's todos, oldest first.
	FindTodos(ctx context.Context, ownerID string, filter Filter) ([]*Todo, error)
	// FindTodosByOwners lists, in one query, the todos of several owners, each oldest first;
	// owners without todos are absent from the map.
	FindTodosByOwners(ctx context.Context, ownerIDs []string) (map[string][]*Todo, error)
	// FindTodosByIDs returns the todos that exist among ids, keyed by id, whoever owns them
	// (malformed ids are simply not found). Callers decide who may see them.
	FindTodosByIDs(ctx context.Context, ids []string) (map[string]*Todo, error)
	// ToggleTodo flips completed.
	ToggleTodo(ctx context.Context, ownerID, id string) (*Todo, error)
	// DeleteTodo removes the todo.
	DeleteTodo(ctx context.Context, ownerID, id string) error
}

// NormalizeTitle trims title and checks its length: 1 to [MaxTitleLength] characters.
func NormalizeTitle(title string) (string, error) {
	t := strings.TrimSpace(title)
	switch n := utf8.RuneCountInString(t); {
	case !utf8.ValidString(t):
		return "", &errs.Error{Code: errs.Invalid, Field: "title", Message: "title is not valid UTF-8"}
	case n == 0:
		return "", &errs.Error{Code: errs.Invalid, Field: "title", Message: "title is empty: say what there is to do"}
	case n > MaxTitleLength:
		return "", &errs.Error{Code: errs.Invalid, Field: "title",
			Message: fmt.Sprintf("title is %d characters long; the limit is %d", n, MaxTitleLength)}
	}
	return t, nil
}

// InvalidID is the error for an id that cannot be a todo id.
func InvalidID(id string) error {
	return &errs.Error{Code: errs.Invalid, Field: "id", Message: fmt.Sprintf("id %s is not a valid todo id", quote(id))}
}

// NotFound is the error for a todo that does not exist or belongs to someone else.
func NotFound(id string) error {
	return &errs.Error{Code: errs.NotFound, Message: fmt.Sprintf("todo %s not found", quote(id))}
}

// quote quotes an id for a message, shortened when it is long.
func quote(s string) string {
	if r := []rune(s); len(r) > 64 {
		s = string(r[:64]) + "…"
	}
	return strconv.Quote(s)
}

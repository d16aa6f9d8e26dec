// Package todos is the domain of the todos subgraph: what a todo is, what may be done with
// one, the rules its fields follow, the daily statistics, and the Service that applies them
// over a Store, a StatsStore and a ChangeFeed. It does no I/O itself: storage lives in
// ./mongo, the realtime change feed in ./realtime, the GraphQL layer in ./graph, the REST
// routes in ./rest and the wiring in ./server.
package todos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fedstack/platform/errs"
)

// Limits of the fields, in characters after trimming.
const (
	MaxTitleLength = 500
	MaxNotesLength = 10000
	MaxTags        = 20
	MaxTagLength   = 40
)

// Page sizes of lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Priority says how much a todo matters.
type Priority string

// Priorities, lowest first.
const (
	PriorityNone   Priority = "NONE"
	PriorityLow    Priority = "LOW"
	PriorityMedium Priority = "MEDIUM"
	PriorityHigh   Priority = "HIGH"
)

// Valid reports whether p is one of the known priorities.
func (p Priority) Valid() bool {
	switch p {
	case PriorityNone, PriorityLow, PriorityMedium, PriorityHigh:
		return true
	}
	return false
}

// Todo is a thing to do, owned by one user.
type Todo struct {
	ID      string `json:"id"`
	OwnerID string `json:"ownerId"`
	Title   string `json:"title"`
	Notes   string `json:"notes"`
	// Completed and CompletedAt go together: CompletedAt is nil while not completed.
	Completed   bool       `json:"completed"`
	CompletedAt *time.Time `json:"completedAt"`
	// DueOn is a calendar date "YYYY-MM-DD", "" when there is none.
	DueOn    string   `json:"dueOn"`
	Priority Priority `json:"priority"`
	Tags     []string `json:"tags"`
	// Position orders the owner's list (ascending, then by ID): moving a todo changes
	// only its own key (see PositionBetween).
	Position string `json:"position"`
	// Version starts at 1 and grows with every change; an update may name the
	// version it was made against and then fails with CONFLICT when it is stale.
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// MarshalJSON writes the todo as clients see it in REST answers and in a CONFLICT's
// current todo: dueOn null when there is none, tags [] when there are none.
func (t Todo) MarshalJSON() ([]byte, error) {
	type plain Todo
	out := struct {
		plain
		DueOn *string  `json:"dueOn"`
		Tags  []string `json:"tags"`
	}{plain: plain(t), Tags: t.Tags}
	if t.DueOn != "" {
		out.DueOn = &t.DueOn
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	return json.Marshal(out)
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

// NewTodo is what a client sends to create a todo.
type NewTodo struct {
	// ID, when the client chooses it (24 hex digits), makes the create idempotent: a
	// retried request returns the todo the first one made.
	ID       string
	Title    string
	Notes    string
	DueOn    string
	Priority Priority
	Tags     []string
}

// Patch changes some fields of a todo; nil fields stay as they are. DueOn "" clears
// the due date.
type Patch struct {
	Title     *string
	Notes     *string
	Completed *bool
	DueOn     *string
	Priority  *Priority
	Tags      *[]string
}

// ListQuery selects one page of a user's todos, in list order.
type ListQuery struct {
	Filter Filter
	// First is the page size (0: DefaultPageSize); After is the cursor of the last todo
	// of the previous page ("" from the start).
	First int
	After string
}

// TodoPage is one page of todos.
type TodoPage struct {
	Todos       []*Todo
	EndCursor   string
	HasNextPage bool
}

// Counts are how many todos a user has in each state ("N items left" is Active).
type Counts struct {
	All       int
	Active    int
	Completed int
}

// ChangeKind says what happened to a user's todos.
type ChangeKind string

// The kinds of change.
const (
	Created ChangeKind = "CREATED"
	Updated ChangeKind = "UPDATED"
	Deleted ChangeKind = "DELETED"
	// Bulk: several todos changed at once (toggle all, clear completed): Todos holds the
	// changed ones, DeletedIDs the removed ones.
	Bulk ChangeKind = "BULK"
	// Resync: the changes after the client's cursor are no longer kept; it must read its
	// list again. Sent on a resumed subscription whose cursor is older than the kept log,
	// and to a subscriber that fell behind the whole log.
	Resync ChangeKind = "RESYNC"
)

// Valid reports whether k is one of the known kinds.
func (k ChangeKind) Valid() bool {
	switch k {
	case Created, Updated, Deleted, Bulk, Resync:
		return true
	}
	return false
}

// TodoChange is one change to a user's todos, as published to every instance and delivered
// to the owner's subscriptions.
type TodoChange struct {
	// Cursor identifies the change in the owner's change log (set when it is published);
	// a client that reconnects passes the last one it saw.
	Cursor string     `json:"cursor"`
	Kind   ChangeKind `json:"kind"`
	// OwnerID is whose todos changed.
	OwnerID string `json:"ownerId"`
	// TodoID and Todo (the todo after the change; nil when deleted) describe a single change.
	TodoID string `json:"todoId,omitempty"`
	Todo   *Todo  `json:"todo,omitempty"`
	// Todos and DeletedIDs describe a Bulk change.
	Todos      []*Todo   `json:"todos,omitempty"`
	DeletedIDs []string  `json:"deletedIds,omitempty"`
	At         time.Time `json:"at"`
}

// Store keeps todos (package mongo implements it). Every method taking an owner acts on
// that owner's todos only; another user's todo is reported exactly like a missing one.
type Store interface {
	// Create stores t (ID set by the caller, Version 1); with Position "" it goes after
	// the owner's last todo. If a todo with t.ID exists already and belongs to the same
	// owner, it is returned with created=false (a retried create); if it belongs to
	// someone else the error is CONFLICT.
	Create(ctx context.Context, t *Todo) (stored *Todo, created bool, err error)
	// Get returns one of the owner's todos or NOT_FOUND.
	Get(ctx context.Context, ownerID, id string) (*Todo, error)
	// List returns a page of the owner's todos in list order.
	List(ctx context.Context, ownerID string, q ListQuery) (*TodoPage, error)
	// Count counts the owner's todos by state.
	Count(ctx context.Context, ownerID string) (Counts, error)
	// ListByOwners returns, in one query, every todo of several owners in list order,
	// filtered; owners without todos are absent from the map.
	ListByOwners(ctx context.Context, ownerIDs []string, f Filter) (map[string][]*Todo, error)
	// ByIDs returns the todos that exist among ids, whoever owns them (malformed ids are
	// simply not found). Callers decide who may see them.
	ByIDs(ctx context.Context, ids []string) (map[string]*Todo, error)
	// Update applies change to the owner's todo and stores it with Version+1, UpdatedAt
	// set by the store, provided nobody changed it meanwhile; with expectedVersion > 0
	// a todo at another version is a *Conflict error. It returns the todo before and
	// after. change may return an error to abort.
	Update(ctx context.Context, ownerID, id string, expectedVersion int, change func(*Todo) error) (before, after *Todo, err error)
	// SetAllCompleted marks every todo of the owner completed (or not) and returns those
	// that changed, after the change.
	SetAllCompleted(ctx context.Context, ownerID string, completed bool, at time.Time) ([]*Todo, error)
	// DeleteCompleted removes the owner's completed todos and returns them.
	DeleteCompleted(ctx context.Context, ownerID string) ([]*Todo, error)
	// Delete removes one todo (with expectedVersion > 0, only at that version) and
	// returns it.
	Delete(ctx context.Context, ownerID, id string, expectedVersion int) (*Todo, error)
}

// Conflict is the error of a write made against a stale version: it carries the todo as
// it is now, so the client can merge and retry.
type Conflict struct {
	Current *Todo
}

func (c *Conflict) Error() string {
	return fmt.Sprintf("todo %s changed meanwhile (now at version %d): reload it and apply your change again", quote(c.Current.ID), c.Current.Version)
}

// Unwrap gives the conflict its code (CONFLICT) and shows the current todo to the client
// (extensions.current in GraphQL, error.details.current in REST).
func (c *Conflict) Unwrap() error {
	return &errs.Error{Code: errs.Conflict, Message: c.Error(), Extensions: map[string]any{"current": c.Current}}
}

// ChangeFeed carries changes between instances (package realtime implements it).
type ChangeFeed interface {
	// Publish appends c to the owner's change log (setting c.Cursor) and delivers it to
	// every instance's subscribers of that owner. It is called after the write.
	Publish(ctx context.Context, c *TodoChange) error
	// Changes delivers ownerID's changes until ctx ends: first those after since (when
	// since is not ""), in order and once each, then live ones. A since that is not a
	// cursor is INVALID; one older than the kept log yields a single Resync change first.
	// It returns once live delivery is in place, so nothing published later is missed.
	Changes(ctx context.Context, ownerID, since string) (<-chan *TodoChange, error)
}

// NewID returns a fresh todo id: 24 lowercase hex digits (the form clients may choose).
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	// The first four bytes are the time, like a MongoDB ObjectID, so ids sort by creation.
	t := uint32(time.Now().Unix())
	b[0], b[1], b[2], b[3] = byte(t>>24), byte(t>>16), byte(t>>8), byte(t)
	return hex.EncodeToString(b[:])
}

// ValidID reports whether id has the form of a todo id.
func ValidID(id string) bool {
	if len(id) != 24 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
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

// NormalizeNotes trims notes and checks the length (0 to [MaxNotesLength] characters).
func NormalizeNotes(notes string) (string, error) {
	n := strings.TrimSpace(notes)
	if !utf8.ValidString(n) {
		return "", &errs.Error{Code: errs.Invalid, Field: "notes", Message: "notes are not valid UTF-8"}
	}
	if c := utf8.RuneCountInString(n); c > MaxNotesLength {
		return "", &errs.Error{Code: errs.Invalid, Field: "notes",
			Message: fmt.Sprintf("notes are %d characters long; the limit is %d", c, MaxNotesLength)}
	}
	return n, nil
}

// NormalizeDueOn checks a due date: "" (none) or a real calendar date YYYY-MM-DD.
func NormalizeDueOn(d string) (string, error) {
	d = strings.TrimSpace(d)
	if d == "" {
		return "", nil
	}
	if _, err := time.Parse(time.DateOnly, d); err != nil || len(d) != 10 {
		return "", &errs.Error{Code: errs.Invalid, Field: "dueOn", Message: fmt.Sprintf("dueOn %s is not a date like 2026-12-31", quote(d))}
	}
	return d, nil
}

// NormalizeTags trims each tag, drops empty ones and duplicates (ignoring case, keeping
// the first spelling), and checks the limits.
func NormalizeTags(tags []string) ([]string, error) {
	out := make([]string, 0, len(tags))
	seen := map[string]bool{}
	for _, tag := range tags {
		tag = strings.TrimSpace(tag)
		if tag == "" {
			continue
		}
		if !utf8.ValidString(tag) || strings.IndexFunc(tag, unicode.IsControl) >= 0 {
			return nil, &errs.Error{Code: errs.Invalid, Field: "tags", Message: fmt.Sprintf("tag %s has characters a tag cannot have", quote(tag))}
		}
		if utf8.RuneCountInString(tag) > MaxTagLength {
			return nil, &errs.Error{Code: errs.Invalid, Field: "tags", Message: fmt.Sprintf("tag %s is longer than %d characters", quote(tag), MaxTagLength)}
		}
		key := strings.ToLower(tag)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, tag)
	}
	if len(out) > MaxTags {
		return nil, &errs.Error{Code: errs.Invalid, Field: "tags", Message: fmt.Sprintf("a todo has at most %d tags; this one has %d", MaxTags, len(out))}
	}
	return out, nil
}

// InvalidID is the error for an id that cannot be a todo id.
func InvalidID(id string) error {
	return &errs.Error{Code: errs.Invalid, Field: "id", Message: fmt.Sprintf("id %s is not a valid todo id (24 hexadecimal digits)", quote(id))}
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

package mongo

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodriver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"fedstack/platform/errs"
	"fedstack/subgraphs/todos"
)

// writeAttempts bounds how often a write starts again after losing a race with another
// process (which, with an expected version, ends the write in a Conflict at once).
const writeAttempts = 5

// allInOneBatch is the batch size of finds that must answer in a single command (no
// getMore): FerretDB and MongoDB cap a batch at 16 MiB anyway.
const allInOneBatch = 1 << 20

// todoDoc is a todo as stored. Documents of the first version lack notes, dueOn,
// priority, tags, position and version: they decode to their zero values, and todo()
// applies the defaults.
type todoDoc struct {
	ID          bson.ObjectID `bson:"_id"`
	OwnerID     string        `bson:"ownerId"`
	Title       string        `bson:"title"`
	Notes       string        `bson:"notes"`
	Completed   bool          `bson:"completed"`
	CompletedAt *time.Time    `bson:"completedAt"`
	DueOn       string        `bson:"dueOn"`
	Priority    string        `bson:"priority"`
	Tags        []string      `bson:"tags"`
	Position    string        `bson:"position"`
	Version     *int64        `bson:"version"`
	CreatedAt   time.Time     `bson:"createdAt"`
	UpdatedAt   time.Time     `bson:"updatedAt"`
}

// todo returns the domain todo of d, with the defaults of missing fields: position from
// the creation time, version 1, priority NONE, no tags.
func (d *todoDoc) todo() *todos.Todo {
	t := &todos.Todo{
		ID:        d.ID.Hex(),
		OwnerID:   d.OwnerID,
		Title:     d.Title,
		Notes:     d.Notes,
		Completed: d.Completed,
		DueOn:     d.DueOn,
		Priority:  todos.Priority(d.Priority),
		Tags:      d.Tags,
		Position:  d.Position,
		Version:   1,
		CreatedAt: d.CreatedAt.UTC(),
		UpdatedAt: d.UpdatedAt.UTC(),
	}
	if d.CompletedAt != nil && d.Completed {
		at := d.CompletedAt.UTC()
		t.CompletedAt = &at
	}
	if t.Priority == "" {
		t.Priority = todos.PriorityNone
	}
	if t.Tags == nil {
		t.Tags = []string{}
	}
	if t.Position == "" {
		t.Position = todos.AppendPosition(t.CreatedAt)
	}
	if d.Version != nil {
		t.Version = int(*d.Version)
	}
	return t
}

// versionFilter matches the version d was read at; a document without a version field
// (first version) is at version 1.
func (d *todoDoc) versionFilter() bson.E {
	if d.Version == nil {
		return bson.E{Key: "version", Value: bson.D{{Key: "$exists", Value: false}}}
	}
	return bson.E{Key: "version", Value: *d.Version}
}

// fields are the stored fields of t other than _id, ownerId and createdAt: what an
// update sets.
func fields(t *todos.Todo) bson.D {
	var completedAt any // null while not completed
	if t.Completed && t.CompletedAt != nil {
		completedAt = t.CompletedAt.UTC()
	}
	tags := t.Tags
	if tags == nil {
		tags = []string{}
	}
	return bson.D{
		{Key: "title", Value: t.Title},
		{Key: "notes", Value: t.Notes},
		{Key: "completed", Value: t.Completed},
		{Key: "completedAt", Value: completedAt},
		{Key: "dueOn", Value: t.DueOn},
		{Key: "priority", Value: string(t.Priority)},
		{Key: "tags", Value: tags},
		{Key: "position", Value: t.Position},
		{Key: "version", Value: int64(t.Version)},
		{Key: "updatedAt", Value: t.UpdatedAt.UTC()},
	}
}

// TodoStore implements todos.Store on the "todos" collection. Documents have _id (the
// todo id as an ObjectID), ownerId, title, notes, completed, completedAt (null unless
// completed), dueOn ("" for none), priority, tags, position, version, createdAt and
// updatedAt; times are kept to the millisecond, in UTC.
type TodoStore struct {
	db     *DB
	coll   *mongodriver.Collection
	claims *mongodriver.Collection // see claims.go
	now    func() time.Time
	// claimWait is how long a write waits for another process's write of the same todo.
	claimWait time.Duration
}

var _ todos.Store = (*TodoStore)(nil)

// NewTodoStore returns the todo store of db.
func NewTodoStore(db *DB) *TodoStore {
	return &TodoStore{db: db, coll: db.db.Collection(todosCollection),
		claims: db.db.Collection(claimsCollection), now: time.Now, claimWait: claimWait}
}

// timestamp is now at the precision the database keeps (milliseconds), in UTC, so what a
// write returns equals what a later read returns.
func (s *TodoStore) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Millisecond)
}

// listOrder is the order of a list: position, then id for equal positions.
var listOrder = bson.D{{Key: "position", Value: 1}, {Key: "_id", Value: 1}}

// Create implements todos.Store. A duplicate id is read back: the same owner's todo is a
// retried create; anyone else's is a CONFLICT that says nothing about it.
func (s *TodoStore) Create(ctx context.Context, t *todos.Todo) (*todos.Todo, bool, error) {
	oid, err := bson.ObjectIDFromHex(t.ID)
	if err != nil {
		return nil, false, todos.InvalidID(t.ID)
	}
	if err := checkOwner(t.OwnerID); err != nil {
		return nil, false, err
	}
	stored := copyTodo(t)
	stored.ID = oid.Hex()
	stored.CreatedAt = t.CreatedAt.UTC().Truncate(time.Millisecond)
	stored.UpdatedAt = t.UpdatedAt.UTC().Truncate(time.Millisecond)
	if stored.UpdatedAt.IsZero() {
		stored.UpdatedAt = stored.CreatedAt
	}
	if stored.Completed && stored.CompletedAt != nil {
		at := stored.CompletedAt.UTC().Truncate(time.Millisecond)
		stored.CompletedAt = &at
	} else {
		stored.CompletedAt = nil
	}
	if stored.Position == "" {
		stored.Position = todos.AppendPosition(stored.CreatedAt)
	}
	if stored.Priority == "" {
		stored.Priority = todos.PriorityNone
	}
	if stored.Tags == nil {
		stored.Tags = []string{}
	}
	if stored.Version < 1 {
		stored.Version = 1
	}
	doc := append(bson.D{
		{Key: "_id", Value: oid},
		{Key: "ownerId", Value: stored.OwnerID},
		{Key: "createdAt", Value: stored.CreatedAt},
	}, fields(stored)...)

	for range writeAttempts {
		_, err := s.coll.InsertOne(ctx, doc)
		if err == nil {
			return stored, true, nil
		}
		if !mongodriver.IsDuplicateKeyError(err) {
			return nil, false, errs.Wrap(err, "insert todo")
		}
		existing, err := s.findID(ctx, oid)
		if err != nil {
			return nil, false, err
		}
		if existing == nil {
			continue // deleted meanwhile: the id is free again
		}
		if existing.OwnerID != t.OwnerID {
			return nil, false, &errs.Error{Code: errs.Conflict, Field: "id",
				Message: "this id is already taken: choose another"}
		}
		return existing.todo(), false, nil
	}
	return nil, false, errs.E(errs.Conflict, "todo %q is being created and deleted by other requests: try again", t.ID)
}

// Get implements todos.Store.
func (s *TodoStore) Get(ctx context.Context, ownerID, id string) (*todos.Todo, error) {
	d, err := s.findMine(ctx, ownerID, id)
	if err != nil {
		return nil, err
	}
	return d.todo(), nil
}

// findMine reads the owner's todo id; another owner's todo, a missing one and an id that
// cannot exist are all NOT_FOUND.
func (s *TodoStore) findMine(ctx context.Context, ownerID, id string) (*todoDoc, error) {
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return nil, todos.NotFound(id)
	}
	d, err := s.findID(ctx, oid)
	if err != nil {
		return nil, err
	}
	if d == nil || d.OwnerID != ownerID || ownerID == "" {
		return nil, todos.NotFound(id)
	}
	return d, nil
}

// findID reads a todo by id alone (the one filter FerretDB's SQLite backend turns into an
// indexed lookup); nil when there is none.
func (s *TodoStore) findID(ctx context.Context, oid bson.ObjectID) (*todoDoc, error) {
	var d todoDoc
	err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: oid}}).Decode(&d)
	if errors.Is(err, mongodriver.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "find todo")
	}
	return &d, nil
}

// stateFilter adds the condition of f to a filter.
func stateFilter(q bson.D, f todos.Filter) (bson.D, error) {
	switch f {
	case todos.FilterAll, "":
		return q, nil
	case todos.FilterActive:
		return append(q, bson.E{Key: "completed", Value: false}), nil
	case todos.FilterCompleted:
		return append(q, bson.E{Key: "completed", Value: true}), nil
	}
	return nil, &errs.Error{Code: errs.Invalid, Field: "filter", Message: fmt.Sprintf("filter %q is not one of ALL, ACTIVE, COMPLETED", f)}
}

// List implements todos.Store: keyset pagination in (position, id) order. The cursor is
// opaque to clients: base64url of "position|id".
func (s *TodoStore) List(ctx context.Context, ownerID string, q todos.ListQuery) (*todos.TodoPage, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	filter, err := stateFilter(bson.D{{Key: "ownerId", Value: ownerID}}, q.Filter)
	if err != nil {
		return nil, err
	}
	if q.After != "" {
		pos, oid, err := decodeCursor(q.After)
		if err != nil {
			return nil, err
		}
		filter = append(filter, bson.E{Key: "$or", Value: bson.A{
			bson.D{{Key: "position", Value: bson.D{{Key: "$gt", Value: pos}}}},
			bson.D{{Key: "position", Value: pos}, {Key: "_id", Value: bson.D{{Key: "$gt", Value: oid}}}},
		}})
	}
	first := q.First
	if first <= 0 {
		first = todos.DefaultPageSize
	}
	first = min(first, todos.MaxPageSize)
	docs, err := s.find(ctx, filter, options.Find().SetSort(listOrder).
		SetLimit(int64(first+1)).SetBatchSize(int32(first+1)))
	if err != nil {
		return nil, err
	}
	page := &todos.TodoPage{Todos: make([]*todos.Todo, 0, min(len(docs), first))}
	for i := range docs {
		if i == first {
			page.HasNextPage = true
			break
		}
		page.Todos = append(page.Todos, docs[i].todo())
	}
	if n := len(page.Todos); n > 0 {
		page.EndCursor = encodeCursor(page.Todos[n-1])
	}
	return page, nil
}

func encodeCursor(t *todos.Todo) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.Position + "|" + t.ID))
}

func decodeCursor(c string) (string, bson.ObjectID, error) {
	bad := &errs.Error{Code: errs.Invalid, Field: "after",
		Message: "after is not a cursor of this list: pass the endCursor of the previous page, or nothing to start from the top"}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", bson.NilObjectID, bad
	}
	pos, id, ok := strings.Cut(string(b), "|")
	if !ok || !todos.ValidPosition(pos) {
		return "", bson.NilObjectID, bad
	}
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return "", bson.NilObjectID, bad
	}
	return pos, oid, nil
}

// Count implements todos.Store with one aggregation (completed: how many).
func (s *TodoStore) Count(ctx context.Context, ownerID string) (todos.Counts, error) {
	if err := checkOwner(ownerID); err != nil {
		return todos.Counts{}, err
	}
	cur, err := s.coll.Aggregate(ctx, bson.A{
		bson.D{{Key: "$match", Value: bson.D{{Key: "ownerId", Value: ownerID}}}},
		bson.D{{Key: "$group", Value: bson.D{
			{Key: "_id", Value: "$completed"},
			{Key: "n", Value: bson.D{{Key: "$sum", Value: 1}}},
		}}},
	})
	if err != nil {
		return todos.Counts{}, errs.Wrap(err, "count todos")
	}
	var groups []struct {
		Completed bool  `bson:"_id"`
		N         int64 `bson:"n"`
	}
	if err := cur.All(ctx, &groups); err != nil {
		return todos.Counts{}, errs.Wrap(err, "read todo counts")
	}
	var c todos.Counts
	for _, g := range groups {
		if g.Completed {
			c.Completed += int(g.N)
		} else {
			c.Active += int(g.N)
		}
	}
	c.All = c.Active + c.Completed
	return c, nil
}

// ListByOwners implements todos.Store with one find.
func (s *TodoStore) ListByOwners(ctx context.Context, ownerIDs []string, f todos.Filter) (map[string][]*todos.Todo, error) {
	out := map[string][]*todos.Todo{}
	owners := dedupe(ownerIDs)
	if len(owners) == 0 {
		return out, nil
	}
	var byOwner bson.E
	if len(owners) == 1 {
		byOwner = bson.E{Key: "ownerId", Value: owners[0]}
	} else {
		byOwner = bson.E{Key: "ownerId", Value: bson.D{{Key: "$in", Value: owners}}}
	}
	filter, err := stateFilter(bson.D{byOwner}, f)
	if err != nil {
		return nil, err
	}
	docs, err := s.find(ctx, filter, options.Find().SetSort(listOrder).SetBatchSize(allInOneBatch))
	if err != nil {
		return nil, err
	}
	for i := range docs {
		t := docs[i].todo()
		out[t.OwnerID] = append(out[t.OwnerID], t)
	}
	return out, nil
}

// ByIDs implements todos.Store with one find; the map is keyed by lowercase id.
func (s *TodoStore) ByIDs(ctx context.Context, ids []string) (map[string]*todos.Todo, error) {
	out := map[string]*todos.Todo{}
	var oids []bson.ObjectID
	seen := map[bson.ObjectID]bool{}
	for _, id := range ids {
		if oid, err := bson.ObjectIDFromHex(id); err == nil && !seen[oid] {
			seen[oid] = true
			oids = append(oids, oid)
		}
	}
	var filter bson.D
	switch len(oids) {
	case 0:
		return out, nil
	case 1:
		filter = bson.D{{Key: "_id", Value: oids[0]}}
	default:
		filter = bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: oids}}}}
	}
	docs, err := s.find(ctx, filter, options.Find().SetBatchSize(allInOneBatch))
	if err != nil {
		return nil, err
	}
	for i := range docs {
		t := docs[i].todo()
		out[t.ID] = t
	}
	return out, nil
}

func (s *TodoStore) find(ctx context.Context, filter bson.D, opts *options.FindOptionsBuilder) ([]todoDoc, error) {
	cur, err := s.coll.Find(ctx, filter, opts)
	if err != nil {
		return nil, errs.Wrap(err, "find todos")
	}
	var docs []todoDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, errs.Wrap(err, "read todos")
	}
	return docs, nil
}

// Update implements todos.Store as a compare-and-set: it claims the todo at the version
// it reads (see claims.go), applies change to a copy and writes it, so that a write made
// meanwhile is never overwritten. With expectedVersion > 0 any other version is a
// *todos.Conflict carrying the todo as it is; with 0 a lost race is retried. Without
// contention that is five commands, each filtered on one _id: read, claim, read again,
// write, release.
//
// Atomicity: FerretDB 1.x checks an update's filter and rewrites the document in two
// steps (see the package comment), so a version filter alone would not do. Within this
// process the writes of one owner are serialised (DB.lock); across processes sharing one
// FerretDB (several instances on one PostgreSQL database, or one FerretDB server) the
// claim on the next version, which only one writer can hold, does it. What remains: a
// writer whose claimed write is stalled for claimTTL/2 gives up, and one that died
// leaves its todo unwritable for claimTTL (10 s), after which the next writer skips that
// version number; instances' clocks must agree within a few seconds for that rule.
func (s *TodoStore) Update(ctx context.Context, ownerID, id string, expectedVersion int, change func(*todos.Todo) error) (before, after *todos.Todo, err error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, nil, err
	}
	defer s.db.lock(ownerID)()
	cur, c, err := s.claimCurrent(ctx, ownerID, id, expectedVersion)
	if err != nil {
		return nil, nil, err
	}
	defer s.release(ctx, c)
	before = cur.todo()
	next := copyTodo(before)
	if err := change(next); err != nil {
		return nil, nil, err
	}
	// The store owns these.
	next.ID, next.OwnerID, next.CreatedAt = before.ID, before.OwnerID, before.CreatedAt
	next.Version = c.version
	next.UpdatedAt = s.timestamp()
	if next.Position == "" {
		next.Position = before.Position
	}
	if !next.Completed {
		next.CompletedAt = nil
	} else if next.CompletedAt == nil {
		at := next.UpdatedAt
		next.CompletedAt = &at
	}
	wctx, cancel := c.writeContext(ctx)
	defer cancel()
	var written todoDoc
	err = s.coll.FindOneAndUpdate(wctx, bson.D{{Key: "_id", Value: cur.ID}},
		bson.D{{Key: "$set", Value: fields(next)}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&written)
	switch {
	case errors.Is(err, mongodriver.ErrNoDocuments):
		return nil, nil, todos.NotFound(id) // deleted by a writer that does not claim
	case err != nil:
		return nil, nil, errs.Wrap(err, "update todo")
	}
	return before, written.todo(), nil
}

// SetAllCompleted implements todos.Store: one find, then (see claims.go) one insert of
// claims and one find to check them, one updateMany, one deleteMany of the claims. A
// todo that another process is writing at that very moment is left as that write leaves
// it.
func (s *TodoStore) SetAllCompleted(ctx context.Context, ownerID string, completed bool, at time.Time) ([]*todos.Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	defer s.db.lock(ownerID)()
	filter := bson.D{{Key: "ownerId", Value: ownerID}, {Key: "completed", Value: !completed}}
	docs, err := s.find(ctx, filter, options.Find().SetSort(listOrder).SetBatchSize(allInOneBatch))
	if err != nil {
		return nil, err
	}
	changed := make([]*todos.Todo, 0, len(docs))
	if len(docs) == 0 {
		return changed, nil
	}
	docs, claimIDs, claimedAt, err := s.claimMany(ctx, docs, filter)
	defer s.releaseMany(ctx, claimIDs)
	if err != nil || len(docs) == 0 {
		return changed, err
	}
	now := s.timestamp()
	var completedAt *time.Time
	if completed {
		a := at.UTC().Truncate(time.Millisecond)
		completedAt = &a
	}
	wctx, cancel := context.WithDeadline(ctx, claimedAt.Add(claimTTL/2))
	defer cancel()
	res, err := s.coll.UpdateMany(wctx,
		append(bson.D{versionsFilter(docs)}, filter...),
		bson.D{
			{Key: "$set", Value: bson.D{
				{Key: "completed", Value: completed},
				{Key: "completedAt", Value: completedAt},
				{Key: "updatedAt", Value: now},
			}},
			{Key: "$inc", Value: bson.D{{Key: "version", Value: int64(1)}}},
		})
	if err != nil {
		return nil, errs.Wrap(err, "update todos")
	}
	if res.ModifiedCount != int64(len(docs)) {
		// Only a writer that does not claim (an instance of an older version) can get
		// here: read back which todos this update changed.
		ids := make([]bson.ObjectID, len(docs))
		for i := range docs {
			ids[i] = docs[i].ID
		}
		return s.changedSince(ctx, ids, completed, now)
	}
	for i := range docs {
		t := docs[i].todo()
		t.Completed, t.CompletedAt, t.UpdatedAt = completed, nil, now
		if completedAt != nil {
			c := *completedAt
			t.CompletedAt = &c
		}
		t.Version++
		changed = append(changed, t)
	}
	return changed, nil
}

// changedSince reads ids back and keeps those in state completed updated at now.
func (s *TodoStore) changedSince(ctx context.Context, ids []bson.ObjectID, completed bool, now time.Time) ([]*todos.Todo, error) {
	docs, err := s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetSort(listOrder).SetBatchSize(allInOneBatch))
	if err != nil {
		return nil, err
	}
	changed := []*todos.Todo{}
	for i := range docs {
		if t := docs[i].todo(); t.Completed == completed && t.UpdatedAt.Equal(now) {
			changed = append(changed, t)
		}
	}
	return changed, nil
}

// DeleteCompleted implements todos.Store: one find, then (see claims.go) one insert of
// claims and one find to check them, one deleteMany, one deleteMany of the claims. A
// todo that another process is writing at that very moment is left alone.
func (s *TodoStore) DeleteCompleted(ctx context.Context, ownerID string) ([]*todos.Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	defer s.db.lock(ownerID)()
	filter := bson.D{{Key: "ownerId", Value: ownerID}, {Key: "completed", Value: true}}
	docs, err := s.find(ctx, filter, options.Find().SetSort(listOrder).SetBatchSize(allInOneBatch))
	if err != nil {
		return nil, err
	}
	deleted := make([]*todos.Todo, 0, len(docs))
	if len(docs) == 0 {
		return deleted, nil
	}
	docs, claimIDs, claimedAt, err := s.claimMany(ctx, docs, filter)
	defer s.releaseMany(ctx, claimIDs)
	if err != nil || len(docs) == 0 {
		return deleted, err
	}
	wctx, cancel := context.WithDeadline(ctx, claimedAt.Add(claimTTL/2))
	defer cancel()
	res, err := s.coll.DeleteMany(wctx, append(bson.D{versionsFilter(docs)}, filter...))
	if err != nil {
		return nil, errs.Wrap(err, "delete completed todos")
	}
	remain := map[bson.ObjectID]bool{}
	if res.DeletedCount != int64(len(docs)) {
		// Only a writer that does not claim (an instance of an older version) can get
		// here: see which are still there.
		ids := make([]bson.ObjectID, len(docs))
		for i := range docs {
			ids[i] = docs[i].ID
		}
		left, err := s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
			options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}}).SetBatchSize(allInOneBatch))
		if err != nil {
			return nil, err
		}
		for i := range left {
			remain[left[i].ID] = true
		}
	}
	for i := range docs {
		if !remain[docs[i].ID] {
			deleted = append(deleted, docs[i].todo())
		}
	}
	return deleted, nil
}

// Delete implements todos.Store, with the same version check and claim as Update.
func (s *TodoStore) Delete(ctx context.Context, ownerID, id string, expectedVersion int) (*todos.Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	defer s.db.lock(ownerID)()
	cur, c, err := s.claimCurrent(ctx, ownerID, id, expectedVersion)
	if err != nil {
		return nil, err
	}
	defer s.release(ctx, c)
	wctx, cancel := c.writeContext(ctx)
	defer cancel()
	res, err := s.coll.DeleteOne(wctx, bson.D{{Key: "_id", Value: cur.ID}})
	if err != nil {
		return nil, errs.Wrap(err, "delete todo")
	}
	if res.DeletedCount == 0 {
		return nil, todos.NotFound(id)
	}
	return cur.todo(), nil
}

// busy is the error of a write that kept losing races with other processes.
func busy(id string) error {
	return errs.E(errs.Conflict, "todo %q is being changed by other requests: try again", id)
}

// copyTodo copies t deeply enough that changing the copy leaves t as it was.
func copyTodo(t *todos.Todo) *todos.Todo {
	c := *t
	c.Tags = slices.Clone(t.Tags)
	if t.CompletedAt != nil {
		at := *t.CompletedAt
		c.CompletedAt = &at
	}
	return &c
}

// dedupe returns the distinct non-empty strings of list, in order.
func dedupe(list []string) []string {
	out := make([]string, 0, len(list))
	seen := map[string]bool{}
	for _, s := range list {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// checkOwner guards against a caller that forgot to resolve the user: an empty owner would
// otherwise read or write ownerless todos.
func checkOwner(ownerID string) error {
	if ownerID == "" {
		return errs.E(errs.Unauthenticated, "sign in first: todos belong to a user")
	}
	return nil
}

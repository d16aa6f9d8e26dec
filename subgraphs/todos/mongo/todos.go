package mongo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodriver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"fedstack/platform/errs"
	"fedstack/subgraphs/todos"
)

const todosCollection = "todos"

// toggleAttempts bounds the compare-and-set loop of ToggleTodo under concurrent toggles.
const toggleAttempts = 5

// todoDoc is a todo as stored.
type todoDoc struct {
	ID        bson.ObjectID `bson:"_id"`
	OwnerID   string        `bson:"ownerId"`
	Title     string        `bson:"title"`
	Completed bool          `bson:"completed"`
	CreatedAt time.Time     `bson:"createdAt"`
	UpdatedAt time.Time     `bson:"updatedAt"`
}

func (d *todoDoc) todo() *todos.Todo {
	return &todos.Todo{
		ID:        d.ID.Hex(),
		OwnerID:   d.OwnerID,
		Title:     d.Title,
		Completed: d.Completed,
		CreatedAt: d.CreatedAt.UTC(),
		UpdatedAt: d.UpdatedAt.UTC(),
	}
}

// TodoService implements todos.TodoService on the "todos" collection.
type TodoService struct {
	coll *mongodriver.Collection
	now  func() time.Time
	// writeLocks serialise read-modify-write updates of one todo within this process.
	// The compare-and-set filter of ToggleTodo is atomic on MongoDB, but FerretDB 1.x applies
	// an update by reading the matching documents and then rewriting them by _id, so two
	// concurrent toggles could both succeed from the same state. The locks close that race
	// for one instance (the embedded FerretDB serves exactly one).
	writeLocks [64]sync.Mutex
}

var _ todos.TodoService = (*TodoService)(nil)

// NewTodoService returns the todo store of db.
func NewTodoService(db *DB) *TodoService {
	return &TodoService{coll: db.db.Collection(todosCollection), now: time.Now}
}

// timestamp is now at the precision the database keeps (milliseconds), in UTC, so what a
// write returns equals what a later read returns.
func (s *TodoService) timestamp() time.Time {
	return s.now().UTC().Truncate(time.Millisecond)
}

// oldestFirst orders by creation, then by id for todos created in the same millisecond.
var oldestFirst = bson.D{{Key: "createdAt", Value: 1}, {Key: "_id", Value: 1}}

// CreateTodo implements todos.TodoService.
func (s *TodoService) CreateTodo(ctx context.Context, ownerID, title string) (*todos.Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	title, err := todos.NormalizeTitle(title)
	if err != nil {
		return nil, err
	}
	now := s.timestamp()
	doc := &todoDoc{ID: bson.NewObjectID(), OwnerID: ownerID, Title: title, CreatedAt: now, UpdatedAt: now}
	if _, err := s.coll.InsertOne(ctx, doc); err != nil {
		return nil, errs.Wrap(err, "insert todo")
	}
	return doc.todo(), nil
}

// FindTodos implements todos.TodoService.
func (s *TodoService) FindTodos(ctx context.Context, ownerID string, filter todos.Filter) ([]*todos.Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	q := bson.D{{Key: "ownerId", Value: ownerID}}
	switch filter {
	case todos.FilterAll, "":
	case todos.FilterActive:
		q = append(q, bson.E{Key: "completed", Value: false})
	case todos.FilterCompleted:
		q = append(q, bson.E{Key: "completed", Value: true})
	default:
		return nil, &errs.Error{Code: errs.Invalid, Field: "filter", Message: fmt.Sprintf("filter %q is not one of ALL, ACTIVE, COMPLETED", filter)}
	}
	docs, err := s.find(ctx, q)
	if err != nil {
		return nil, err
	}
	list := make([]*todos.Todo, len(docs))
	for i := range docs {
		list[i] = docs[i].todo()
	}
	return list, nil
}

// FindTodosByOwners implements todos.TodoService.
func (s *TodoService) FindTodosByOwners(ctx context.Context, ownerIDs []string) (map[string][]*todos.Todo, error) {
	out := map[string][]*todos.Todo{}
	if len(ownerIDs) == 0 {
		return out, nil
	}
	docs, err := s.find(ctx, bson.D{{Key: "ownerId", Value: bson.D{{Key: "$in", Value: ownerIDs}}}})
	if err != nil {
		return nil, err
	}
	for i := range docs {
		out[docs[i].OwnerID] = append(out[docs[i].OwnerID], docs[i].todo())
	}
	return out, nil
}

// FindTodosByIDs implements todos.TodoService.
func (s *TodoService) FindTodosByIDs(ctx context.Context, ids []string) (map[string]*todos.Todo, error) {
	out := map[string]*todos.Todo{}
	oids := make([]bson.ObjectID, 0, len(ids))
	for _, id := range ids {
		if oid, err := bson.ObjectIDFromHex(id); err == nil {
			oids = append(oids, oid)
		}
	}
	if len(oids) == 0 {
		return out, nil
	}
	docs, err := s.find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: oids}}}})
	if err != nil {
		return nil, err
	}
	for i := range docs {
		t := docs[i].todo()
		out[t.ID] = t
	}
	return out, nil
}

func (s *TodoService) find(ctx context.Context, q bson.D) ([]todoDoc, error) {
	cur, err := s.coll.Find(ctx, q, options.Find().SetSort(oldestFirst))
	if err != nil {
		return nil, errs.Wrap(err, "find todos")
	}
	var docs []todoDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, errs.Wrap(err, "read todos")
	}
	return docs, nil
}

// ToggleTodo implements todos.TodoService. FerretDB has no update pipelines, so it reads the
// todo and then flips completed only if nobody flipped it meanwhile (compare-and-set),
// trying again a few times under contention. See TodoService.writeLocks for FerretDB.
func (s *TodoService) ToggleTodo(ctx context.Context, ownerID, id string) (*todos.Todo, error) {
	oid, err := parseID(id)
	if err != nil {
		return nil, err
	}
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	lock := &s.writeLocks[lockIndex(oid)]
	lock.Lock()
	defer lock.Unlock()

	mine := bson.D{{Key: "_id", Value: oid}, {Key: "ownerId", Value: ownerID}}
	for range toggleAttempts {
		var cur todoDoc
		if err := s.coll.FindOne(ctx, mine).Decode(&cur); err != nil {
			if errors.Is(err, mongodriver.ErrNoDocuments) {
				return nil, todos.NotFound(id)
			}
			return nil, errs.Wrap(err, "find todo")
		}
		unchanged := append(mine[:len(mine):len(mine)], bson.E{Key: "completed", Value: cur.Completed})
		update := bson.D{{Key: "$set", Value: bson.D{
			{Key: "completed", Value: !cur.Completed},
			{Key: "updatedAt", Value: s.timestamp()},
		}}}
		var next todoDoc
		err := s.coll.FindOneAndUpdate(ctx, unchanged, update,
			options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&next)
		switch {
		case err == nil:
			return next.todo(), nil
		case errors.Is(err, mongodriver.ErrNoDocuments):
			continue // toggled or deleted meanwhile: look again
		default:
			return nil, errs.Wrap(err, "update todo")
		}
	}
	return nil, errs.E(errs.Conflict, "todo %q is being changed by another request: try again", id)
}

// DeleteTodo implements todos.TodoService.
func (s *TodoService) DeleteTodo(ctx context.Context, ownerID, id string) error {
	oid, err := parseID(id)
	if err != nil {
		return err
	}
	if err := checkOwner(ownerID); err != nil {
		return err
	}
	res, err := s.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: oid}, {Key: "ownerId", Value: ownerID}})
	if err != nil {
		return errs.Wrap(err, "delete todo")
	}
	if res.DeletedCount == 0 {
		return todos.NotFound(id)
	}
	return nil
}

func lockIndex(oid bson.ObjectID) int {
	h := fnv.New32a()
	_, _ = h.Write(oid[:])
	return int(h.Sum32() % 64)
}

func parseID(id string) (bson.ObjectID, error) {
	oid, err := bson.ObjectIDFromHex(id)
	if err != nil {
		return bson.NilObjectID, todos.InvalidID(id)
	}
	return oid, nil
}

// checkOwner guards against a caller that forgot to resolve the user: an empty owner would
// otherwise read or write ownerless todos.
func checkOwner(ownerID string) error {
	if ownerID == "" {
		return errs.E(errs.Unauthenticated, "sign in first: todos belong to a user")
	}
	return nil
}

package mongo

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodriver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"fedstack/platform/errs"
	"fedstack/subgraphs/todos"
)

// Claims make the compare-and-set of a todo safe across processes on FerretDB.
//
// FerretDB 1.x checks an update's filter and rewrites the document in two steps, so two
// instances writing a todo at the same version can both pass the version check (tried:
// two embedded FerretDB instances on one PostgreSQL database, two writers at the same
// version, both succeeded in 37 rounds out of 50). The one write FerretDB does make
// atomically across processes is an insert with an _id that already exists: the unique
// index refuses it. So before a writer moves a todo from version N to N+1 it inserts the
// claim {_id: "<todo id>:<N+1>"} into the "todo_claims" collection; only one writer's
// insert succeeds. The holder reads the todo again: if it is still at N, nobody can move
// it on before the claim is released (that needs the same claim), so the holder writes it
// (by _id alone), then deletes its claim; if it moved on meanwhile, the holder releases the claim and starts
// over. Claims live only while their write is in flight: the collection stays nearly
// empty.
//
// A writer that dies between its claim and the deletion leaves the claim behind. A later
// writer that finds a claim older than claimTTL for the version it wants skips that
// version number (the todo goes from N to N+2) and removes the stale claim; and a writer
// gives up its write when it did not start within claimTTL/2 of its claim, so a claim
// is never skipped while its holder may still write.
//
// On MongoDB proper a version filter alone would be atomic; the claims cost three small
// commands per write there, for the same code on every backend.

const claimsCollection = "todo_claims"

// claimTTL is the age after which a claim whose write never landed is taken to be left
// by a writer that died.
const claimTTL = 10 * time.Second

// claimWait bounds how long a writer waits for another process's claimed write of the
// same todo to land before telling its caller to try again.
const claimWait = 2 * time.Second

// maxSkips bounds how many stale claims in a row a writer skips.
const maxSkips = 3

// claimedError means another process is writing the todo right now: it holds claim id.
type claimedError struct{ id string }

func (e *claimedError) Error() string { return "claim " + e.id + " is held by another writer" }

// isClaimed returns the claimedError in err, if any.
func isClaimed(err error) (*claimedError, bool) {
	var c *claimedError
	ok := errors.As(err, &c)
	return c, ok
}

// claim is a claimed version of one todo.
type claim struct {
	id      string    // the claim's _id
	version int       // the version the holder may write
	at      time.Time // when it was claimed
	stale   []string  // stale claims of skipped versions, removed on release
}

func claimID(oid bson.ObjectID, version int) string {
	return oid.Hex() + ":" + strconv.Itoa(version)
}

type claimDoc struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
}

// claim reserves the next version of the todo oid, which is at version cur.
func (s *TodoStore) claim(ctx context.Context, oid bson.ObjectID, cur int) (*claim, error) {
	c := &claim{}
	tries := 0
	for v := cur + 1; v <= cur+1+maxSkips && tries < 2*maxSkips+2; tries++ {
		id := claimID(oid, v)
		at := time.Now()
		_, err := s.claims.InsertOne(ctx, claimDoc{ID: id, At: at.UTC()})
		if err == nil {
			c.id, c.version, c.at = id, v, at
			return c, nil
		}
		if !mongodriver.IsDuplicateKeyError(err) {
			return nil, errs.Wrap(err, "claim todo %s", oid.Hex())
		}
		var other claimDoc
		err = s.claims.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&other)
		switch {
		case errors.Is(err, mongodriver.ErrNoDocuments):
			continue // its write just ended: claim the same version again
		case err != nil:
			return nil, errs.Wrap(err, "read the claim on todo %s", oid.Hex())
		case time.Since(other.At) < claimTTL:
			return nil, &claimedError{id: id}
		}
		c.stale = append(c.stale, id)
		v++
	}
	return nil, busy(oid.Hex())
}

// claimCurrent reads the owner's todo id and claims its next version, then reads it
// again: still at the version read, it cannot change until the claim is released (every
// writer needs that claim to move it on). It returns the todo so read and the claim; the
// caller writes within c.writeContext and then releases c. With expectedVersion > 0 a
// todo at another version is a *todos.Conflict. When another process holds the claim it
// waits for that write (at most s.claimWait), then starts again.
func (s *TodoStore) claimCurrent(ctx context.Context, ownerID, id string, expectedVersion int) (*todoDoc, *claim, error) {
	for attempt := 0; ; attempt++ {
		cur, err := s.findMine(ctx, ownerID, id)
		if err != nil {
			return nil, nil, err
		}
		version := cur.todo().Version
		if expectedVersion > 0 && version != expectedVersion {
			return nil, nil, &todos.Conflict{Current: cur.todo()}
		}
		if attempt == writeAttempts {
			return nil, nil, busy(id)
		}
		c, err := s.claim(ctx, cur.ID, version)
		if held, ok := isClaimed(err); ok {
			if err := s.awaitRelease(ctx, id, held); err != nil {
				return nil, nil, err
			}
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		fresh, err := s.findMine(ctx, ownerID, id)
		if err == nil && fresh.todo().Version == version {
			return fresh, c, nil
		}
		s.release(ctx, c)
		if err != nil {
			return nil, nil, err
		}
		// Written by another process between the read and the claim: start again.
	}
}

// writeContext bounds a claimed write so that it cannot start after claimTTL/2: past that
// the claim may be skipped by others.
func (c *claim) writeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithDeadline(ctx, c.at.Add(claimTTL/2))
}

// release removes the claim and the stale ones it skipped. It runs even when the
// caller's context is done: a claim left behind blocks writers of that todo for claimTTL.
func (s *TodoStore) release(ctx context.Context, c *claim) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for _, id := range append(c.stale, c.id) {
		_, _ = s.claims.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	}
}

// claimMany claims the next version of each of docs (read with filter) with one insert,
// then reads them again to keep those still as read: once claimed at its next version and
// seen unchanged, a todo cannot change until the claim is released (any writer needs that
// claim to move it on). It returns the todos claimed and unchanged, the ids of every
// claim made (for releaseMany, whatever happens), and when the claims were made. A todo
// that another process is writing right now is left out.
func (s *TodoStore) claimMany(ctx context.Context, docs []todoDoc, filter bson.D) ([]todoDoc, []string, time.Time, error) {
	at := time.Now()
	batch := make([]any, len(docs))
	ids := make([]string, len(docs))
	for i := range docs {
		ids[i] = claimID(docs[i].ID, docs[i].todo().Version+1)
		batch[i] = claimDoc{ID: ids[i], At: at.UTC()}
	}
	taken := map[int]bool{}
	if _, err := s.claims.InsertMany(ctx, batch, options.InsertMany().SetOrdered(false)); err != nil {
		var bwe mongodriver.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
			return nil, nil, at, errs.Wrap(err, "claim todos")
		}
		for _, we := range bwe.WriteErrors {
			if !mongodriver.IsDuplicateKeyError(we) {
				return nil, nil, at, errs.Wrap(err, "claim todos")
			}
			taken[we.Index] = true
		}
	}
	var claimed []todoDoc
	var claimIDs []string
	oids := make([]bson.ObjectID, 0, len(docs))
	for i := range docs {
		if !taken[i] {
			claimed = append(claimed, docs[i])
			claimIDs = append(claimIDs, ids[i])
			oids = append(oids, docs[i].ID)
		}
	}
	if len(claimed) == 0 {
		return nil, nil, at, nil
	}
	fresh, err := s.find(ctx, append(bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: oids}}}}, filter...),
		options.Find().SetBatchSize(allInOneBatch))
	if err != nil {
		return nil, claimIDs, at, err
	}
	now := map[bson.ObjectID]int{}
	for i := range fresh {
		now[fresh[i].ID] = fresh[i].todo().Version
	}
	unchanged := claimed[:0:0]
	for _, d := range claimed {
		if v, ok := now[d.ID]; ok && v == d.todo().Version {
			unchanged = append(unchanged, d)
		}
	}
	return unchanged, claimIDs, at, nil
}

// releaseMany removes the claims of claimMany.
func (s *TodoStore) releaseMany(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = s.claims.DeleteMany(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}})
}

// awaitRelease waits, for at most s.claimWait, until the claim held by another writer is
// released (its write landed or failed) or grown stale (its writer died). It polls:
// FerretDB has no change streams.
func (s *TodoStore) awaitRelease(ctx context.Context, todoID string, held *claimedError) error {
	deadline := time.Now().Add(s.claimWait)
	pause := 2 * time.Millisecond
	for {
		var c claimDoc
		err := s.claims.FindOne(ctx, bson.D{{Key: "_id", Value: held.id}}).Decode(&c)
		switch {
		case errors.Is(err, mongodriver.ErrNoDocuments):
			return nil
		case err != nil:
			return errs.Wrap(err, "read the claim on todo %s", todoID)
		case time.Since(c.At) >= claimTTL:
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return busy(todoID)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(pause, left)):
		}
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// versionsFilter matches each of docs at the version it was read at.
func versionsFilter(docs []todoDoc) bson.E {
	alts := make(bson.A, len(docs))
	for i := range docs {
		alts[i] = bson.D{{Key: "_id", Value: docs[i].ID}, docs[i].versionFilter()}
	}
	return bson.E{Key: "$or", Value: alts}
}

// dropOldClaims removes claims left behind long ago (by writers that died), at start-up.
func (db *DB) dropOldClaims(ctx context.Context) error {
	_, err := db.db.Collection(claimsCollection).DeleteMany(ctx,
		bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: time.Now().Add(-time.Hour).UTC()}}}})
	return err
}

// Package mongo stores todos and their daily statistics through the MongoDB wire protocol
// with the official Go driver. It keeps to what FerretDB 1.x implements (no transactions,
// change streams, $lookup, $facet, $cond or TTL indexes): inserts, finds, findAndModify,
// updateMany/deleteMany and simple aggregations.
//
// FerretDB 1.24.2 facts this package is shaped by (read in its source and checked by this
// package's tests):
//   - An update (update, findAndModify, updateMany; $inc included) is applied by querying
//     the matching documents, changing them in Go and rewriting each one by _id, in
//     separate statements. So a filter such as {_id, version: 3} is checked before, not
//     during, the write, and two concurrent writers can both match it. Writes of one owner
//     are serialised within this process (DB.lock); todo writes are also claimed across
//     processes (claims.go). An upsert racing another upsert of the same _id fails with a
//     duplicate key error; an insert of an existing _id is refused atomically.
//   - Queries push down to SQL only what is simple: on SQLite only a filter that is
//     exactly {_id: value}; on PostgreSQL equalities on scalar fields. Everything else
//     ($in, $gt, $or, sorts on several keys) is evaluated in Go over every row fetched,
//     decoded one by one. And the SQL itself scans: SQLite's _id index is on another
//     expression than the one queried, and PostgreSQL's equalities are jsonb containment
//     (@>), which FerretDB's btree indexes do not serve (EXPLAIN shows sequential scans,
//     even for _id). So every query and every single-document write costs a scan of the
//     collection (measured here: an update about 8 ms per 1000 todos on SQLite, 2 ms on
//     PostgreSQL; a list page about 100 and 50 ms at 1000). The indexes are created
//     anyway, for MongoDB proper and later FerretDB versions.
//   - A $group stage feeds its documents to its first accumulator only (a second $sum
//     sums nothing), and createIndexes of several indexes that all exist already panics
//     the connection: both are avoided here.
//   - On PostgreSQL an instance reads the list of collections once: collections another
//     instance creates later stay invisible to it. Open creates every collection.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net/url"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/event"
	mongodriver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"fedstack/subgraphs/todos"
)

// Collection names.
const (
	todosCollection = "todos"
	statsCollection = "todo_stats"
	// claimsCollection (claims.go) holds the claims of writes in flight.
)

// lockStripes is how many mutexes share the per-owner write locks.
const lockStripes = 128

// DB is a connection to one database.
type DB struct {
	client *mongodriver.Client
	db     *mongodriver.Database
	// stripes serialise the writes of one owner within this process (see lock).
	stripes [lockStripes]sync.Mutex
	seed    maphash.Seed
}

// Open connects to uri, checks that the server answers, and prepares the collections and
// their indexes in database name (and brings documents written by earlier versions up to
// the current shape).
func Open(ctx context.Context, uri, name string) (*DB, error) {
	return OpenWithMonitor(ctx, uri, name, nil)
}

// OpenWithMonitor is Open with a command monitor that sees every command the driver sends
// (tests count round trips with it); a nil monitor is Open.
func OpenWithMonitor(ctx context.Context, uri, name string, monitor *event.CommandMonitor) (*DB, error) {
	if name == "" {
		return nil, errors.New("mongo: database name is empty: set MONGODB_DATABASE")
	}
	opts := options.Client().
		ApplyURI(uri).
		SetAppName("fedstack-todos").
		SetServerSelectionTimeout(10 * time.Second)
	if monitor != nil {
		opts.SetMonitor(monitor)
	}
	client, err := mongodriver.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: connect to %s: %w", redact(uri), err)
	}
	db := &DB{client: client, db: client.Database(name), seed: maphash.MakeSeed()}
	if err := db.Ping(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongo: %s does not answer: %w", redact(uri), err)
	}
	if err := db.migrate(ctx); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, err
	}
	return db, nil
}

// indexes returns the indexes of each collection; createIndexes is idempotent. The index
// of the first version (ownerId_1_createdAt_1) is left in place: it costs little. (A
// function, not a variable: the driver writes into the options it is given.)
func indexes() map[string][]mongodriver.IndexModel {
	return map[string][]mongodriver.IndexModel{
		todosCollection: {
			{Keys: bson.D{{Key: "ownerId", Value: 1}, {Key: "position", Value: 1}, {Key: "_id", Value: 1}},
				Options: options.Index().SetName("ownerId_1_position_1__id_1")},
			{Keys: bson.D{{Key: "ownerId", Value: 1}, {Key: "completed", Value: 1}, {Key: "position", Value: 1}, {Key: "_id", Value: 1}},
				Options: options.Index().SetName("ownerId_1_completed_1_position_1__id_1")},
		},
		claimsCollection: {
			{Keys: bson.D{{Key: "at", Value: 1}}, Options: options.Index().SetName("at_1")},
		},
		statsCollection: {
			{Keys: bson.D{{Key: "ownerId", Value: 1}, {Key: "day", Value: 1}},
				Options: options.Index().SetName("ownerId_1_day_1")},
			{Keys: bson.D{{Key: "day", Value: 1}},
				Options: options.Index().SetName("day_1")},
		},
	}
}

// migrate creates the collections with their indexes (at start-up, so that every
// FerretDB instance sharing a PostgreSQL database sees them: FerretDB 1.x reads the list
// of collections once and does not notice those another instance creates later), then
// completes todos stored by the first version, which had no position, version, priority,
// notes or tags.
func (db *DB) migrate(ctx context.Context) error {
	for _, name := range []string{todosCollection, claimsCollection, statsCollection} {
		// One index per command: FerretDB 1.24.2 panics (and drops the connection) on a
		// createIndexes of several indexes that all exist already.
		for _, ix := range indexes()[name] {
			if _, err := db.db.Collection(name).Indexes().CreateOne(ctx, ix); err != nil {
				return fmt.Errorf("mongo: create the indexes of %s: %w", name, err)
			}
		}
	}
	if err := db.dropOldClaims(ctx); err != nil {
		return fmt.Errorf("mongo: remove old claims: %w", err)
	}
	return db.upgradeTodos(ctx)
}

// upgradeTodos gives every todo without a position the position derived from its
// creation time, and the defaults of the other new fields. Reads apply the same defaults,
// so a todo written meanwhile by an older instance still reads fine.
func (db *DB) upgradeTodos(ctx context.Context) error {
	coll := db.db.Collection(todosCollection)
	cur, err := coll.Find(ctx, bson.D{{Key: "position", Value: bson.D{{Key: "$exists", Value: false}}}},
		options.Find().SetProjection(bson.D{{Key: "_id", Value: 1}, {Key: "createdAt", Value: 1}}))
	if err != nil {
		return fmt.Errorf("mongo: find todos to upgrade: %w", err)
	}
	var old []struct {
		ID        bson.ObjectID `bson:"_id"`
		CreatedAt time.Time     `bson:"createdAt"`
	}
	if err := cur.All(ctx, &old); err != nil {
		return fmt.Errorf("mongo: read todos to upgrade: %w", err)
	}
	for _, o := range old {
		set := bson.D{{Key: "position", Value: todos.AppendPosition(o.CreatedAt)}}
		if _, err := coll.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: o.ID}, {Key: "position", Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: set}}); err != nil {
			return fmt.Errorf("mongo: upgrade todo %s: %w", o.ID.Hex(), err)
		}
	}
	defaults := []bson.E{
		{Key: "version", Value: 1},
		{Key: "priority", Value: "NONE"},
		{Key: "notes", Value: ""},
		{Key: "dueOn", Value: ""},
		{Key: "tags", Value: bson.A{}},
		{Key: "completedAt", Value: nil},
	}
	for _, d := range defaults {
		if _, err := coll.UpdateMany(ctx,
			bson.D{{Key: d.Key, Value: bson.D{{Key: "$exists", Value: false}}}},
			bson.D{{Key: "$set", Value: bson.D{d}}}); err != nil {
			return fmt.Errorf("mongo: upgrade todos without %s: %w", d.Key, err)
		}
	}
	return nil
}

// lock takes the write lock of key (an owner) and returns its unlock. Keys share
// lockStripes mutexes; a holder never takes a second one, so sharing cannot deadlock.
func (db *DB) lock(key string) (unlock func()) {
	m := &db.stripes[maphash.String(db.seed, key)%lockStripes]
	m.Lock()
	return m.Unlock
}

// Ping checks that the server answers (for /ready).
func (db *DB) Ping(ctx context.Context) error {
	return db.client.Ping(ctx, readpref.Primary())
}

// Close closes the connections.
func (db *DB) Close(ctx context.Context) error {
	return db.client.Disconnect(ctx)
}

// redact hides a password in a connection string for messages.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "the MongoDB server"
	}
	return u.Redacted()
}

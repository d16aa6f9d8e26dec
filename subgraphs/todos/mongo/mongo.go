// Package mongo stores todos through the MongoDB wire protocol with the official Go driver.
// It keeps to what FerretDB 1.x implements (no transactions, change streams or $lookup):
// single-document writes, finds on indexed fields, findAndModify.
package mongo

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodriver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"
)

// DB is a connection to one database.
type DB struct {
	client *mongodriver.Client
	db     *mongodriver.Database
}

// Open connects to uri, checks that the server answers, and prepares the collections and
// their indexes in database name.
func Open(ctx context.Context, uri, name string) (*DB, error) {
	if name == "" {
		return nil, errors.New("mongo: database name is empty")
	}
	opts := options.Client().
		ApplyURI(uri).
		SetAppName("fedstack-todos").
		SetServerSelectionTimeout(10 * time.Second)
	client, err := mongodriver.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongo: connect to %s: %w", redact(uri), err)
	}
	db := &DB{client: client, db: client.Database(name)}
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

// migrate creates the indexes the queries rely on; createIndexes is idempotent.
func (db *DB) migrate(ctx context.Context) error {
	_, err := db.db.Collection(todosCollection).Indexes().CreateOne(ctx, mongodriver.IndexModel{
		Keys:    bson.D{{Key: "ownerId", Value: 1}, {Key: "createdAt", Value: 1}},
		Options: options.Index().SetName("ownerId_1_createdAt_1"),
	})
	if err != nil {
		return fmt.Errorf("mongo: create index on %s: %w", todosCollection, err)
	}
	return nil
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

package mongo

import (
	"context"
	"time"

	mongodriver "go.mongodb.org/mongo-driver/v2/mongo"
)

// Collection gives tests the raw collection, to store documents of older shapes.
func (db *DB) Collection(name string) *mongodriver.Collection { return db.db.Collection(name) }

// Drop deletes the whole database.
func (db *DB) Drop(ctx context.Context) error { return db.db.Drop(ctx) }

// SetClaimWait changes how long s waits for another process's write of the same todo.
func SetClaimWait(s *TodoStore, d time.Duration) { s.claimWait = d }

// ClaimTTL is the age after which a claim is taken to be left by a writer that died.
const ClaimTTL = claimTTL

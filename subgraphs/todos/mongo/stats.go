package mongo

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	mongodriver "go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"fedstack/platform/errs"
	"fedstack/subgraphs/todos"
)

// streakDay is the day field of an owner's streak document. It sorts after every
// "YYYY-…" day, so a find of days >= from also returns the streak.
const streakDay = "streak"

// statsDoc is a document of the "todo_stats" collection: a day's counters
// {_id: owner|day, ownerId, day, created, completed}, or the owner's streak
// {_id: owner|"streak", ownerId, day: "streak", lastDay, days}.
type statsDoc struct {
	OwnerID   string `bson:"ownerId"`
	Day       string `bson:"day"`
	Created   int64  `bson:"created"`
	Completed int64  `bson:"completed"`
	LastDay   string `bson:"lastDay"`
	Days      int64  `bson:"days"`
}

// StatsStore implements todos.StatsStore on the "todo_stats" collection, one document
// per owner and day plus one per owner for the completion streak.
//
// Counters are kept with $inc and upserts. FerretDB 1.x applies $inc by reading and
// rewriting the document, so the updates of one owner are serialised within this
// process (DB.lock) and a lost upsert race is retried; instances sharing one FerretDB
// can still, rarely, lose an increment to each other (MongoDB proper does not).
type StatsStore struct {
	db   *DB
	coll *mongodriver.Collection
}

var _ todos.StatsStore = (*StatsStore)(nil)

// NewStatsStore returns the statistics store of db.
func NewStatsStore(db *DB) *StatsStore {
	return &StatsStore{db: db, coll: db.db.Collection(statsCollection)}
}

func statsID(ownerID, day string) string { return ownerID + "|" + day }

// statsLockKey keeps the statistics locks apart from the todo locks of the same owner
// (they may share a stripe, which is harmless: neither is held while taking the other).
func statsLockKey(ownerID string) string { return "stats\x00" + ownerID }

// checkDay refuses what is not a calendar day, which would corrupt the key space (and
// the streak document's place after every day).
func checkDay(day string) error {
	if _, err := time.Parse(time.DateOnly, day); err != nil || len(day) != len(time.DateOnly) {
		return errs.E(errs.Invalid, "day %q is not a date like 2026-12-31", day)
	}
	return nil
}

// AddCreated implements todos.StatsStore.
func (s *StatsStore) AddCreated(ctx context.Context, ownerID string, day todos.Day, n int) error {
	if n == 0 {
		return nil
	}
	if err := checkOwner(ownerID); err != nil {
		return err
	}
	if err := checkDay(day); err != nil {
		return err
	}
	defer s.db.lock(statsLockKey(ownerID))()
	return s.incDay(ctx, ownerID, day, "created", n)
}

// AddCompleted implements todos.StatsStore. A positive n on a day after the streak's last
// day makes that day the last one: the streak grows by one when it is the next day and
// starts again at 1 after a gap; on the last day itself or earlier it stays as it is.
func (s *StatsStore) AddCompleted(ctx context.Context, ownerID string, day todos.Day, n int) error {
	if n == 0 {
		return nil
	}
	if err := checkOwner(ownerID); err != nil {
		return err
	}
	if err := checkDay(day); err != nil {
		return err
	}
	defer s.db.lock(statsLockKey(ownerID))()
	if err := s.incDay(ctx, ownerID, day, "completed", n); err != nil {
		return err
	}
	if n < 0 {
		return nil
	}
	return s.extendStreak(ctx, ownerID, day)
}

// incDay adds n to a counter of the owner's day, creating the document on first use.
func (s *StatsStore) incDay(ctx context.Context, ownerID, day, field string, n int) error {
	other := "completed"
	if field == "completed" {
		other = "created"
	}
	filter := bson.D{{Key: "_id", Value: statsID(ownerID, day)}}
	update := bson.D{
		{Key: "$inc", Value: bson.D{{Key: field, Value: int64(n)}}},
		{Key: "$setOnInsert", Value: bson.D{
			{Key: "ownerId", Value: ownerID},
			{Key: "day", Value: day},
			{Key: other, Value: int64(0)},
		}},
	}
	return s.upsert(ctx, filter, update, "count todos of "+day)
}

// upsert runs an update with upsert, trying again once when another writer inserted the
// document first (the second try updates it).
func (s *StatsStore) upsert(ctx context.Context, filter, update bson.D, what string) error {
	var err error
	for range 2 {
		_, err = s.coll.UpdateOne(ctx, filter, update, options.UpdateOne().SetUpsert(true))
		if err == nil || !mongodriver.IsDuplicateKeyError(err) {
			break
		}
	}
	if err != nil {
		return errs.Wrap(err, "%s", what)
	}
	return nil
}

// extendStreak records a completion on day in the owner's streak.
func (s *StatsStore) extendStreak(ctx context.Context, ownerID, day string) error {
	id := statsID(ownerID, streakDay)
	var cur statsDoc
	err := s.coll.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&cur)
	switch {
	case errors.Is(err, mongodriver.ErrNoDocuments):
		cur = statsDoc{}
	case err != nil:
		return errs.Wrap(err, "read the completion streak")
	}
	days := int64(1)
	switch {
	case cur.LastDay != "" && day <= cur.LastDay:
		return nil // that day is counted already (or is in the past)
	case cur.LastDay != "" && day == nextDay(cur.LastDay):
		days = cur.Days + 1
	}
	update := bson.D{
		{Key: "$set", Value: bson.D{{Key: "lastDay", Value: day}, {Key: "days", Value: days}}},
		{Key: "$setOnInsert", Value: bson.D{{Key: "ownerId", Value: ownerID}, {Key: "day", Value: streakDay}}},
	}
	return s.upsert(ctx, bson.D{{Key: "_id", Value: id}}, update, "update the completion streak")
}

// nextDay returns the calendar day after day.
func nextDay(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return ""
	}
	return todos.DayOf(t.AddDate(0, 0, 1))
}

// StatsByOwners implements todos.StatsStore with one find: the owners' documents with
// day >= from, which include their streaks ("streak" sorts after every date); days
// after to are skipped.
func (s *StatsStore) StatsByOwners(ctx context.Context, ownerIDs []string, from, to todos.Day) (map[string]*todos.OwnerStats, error) {
	out := map[string]*todos.OwnerStats{}
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
	cur, err := s.coll.Find(ctx, bson.D{byOwner, {Key: "day", Value: bson.D{{Key: "$gte", Value: from}}}},
		options.Find().SetBatchSize(allInOneBatch))
	if err != nil {
		return nil, errs.Wrap(err, "find todo statistics")
	}
	var docs []statsDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, errs.Wrap(err, "read todo statistics")
	}
	for _, d := range docs {
		isStreak := d.Day == streakDay
		if !isStreak && d.Day > to {
			continue
		}
		st := out[d.OwnerID]
		if st == nil {
			st = &todos.OwnerStats{}
			out[d.OwnerID] = st
		}
		if isStreak {
			st.Streak = todos.Streak{LastDay: d.LastDay, Days: int(d.Days)}
			continue
		}
		st.Days = append(st.Days, todos.DayStats{Day: d.Day, Created: clamp(d.Created), Completed: clamp(d.Completed)})
	}
	return out, nil
}

// StatsAll implements todos.StatsStore: one find of the window's day documents, summed
// here. (A $group with two $sum accumulators would do it in the database, but FerretDB
// 1.24.2 feeds the documents of a group to its first accumulator only: the second sums
// nothing.)
func (s *StatsStore) StatsAll(ctx context.Context, from, to todos.Day) ([]todos.DayStats, error) {
	cur, err := s.coll.Find(ctx,
		bson.D{{Key: "day", Value: bson.D{{Key: "$gte", Value: from}, {Key: "$lte", Value: to}}}},
		options.Find().
			SetProjection(bson.D{{Key: "day", Value: 1}, {Key: "created", Value: 1}, {Key: "completed", Value: 1}}).
			SetBatchSize(allInOneBatch))
	if err != nil {
		return nil, errs.Wrap(err, "find todo statistics")
	}
	byDay := map[string]*[2]int64{}
	for cur.Next(ctx) {
		var d statsDoc
		if err := cur.Decode(&d); err != nil {
			_ = cur.Close(ctx)
			return nil, errs.Wrap(err, "read todo statistics")
		}
		if d.Day == streakDay || d.Day > to {
			continue
		}
		sum := byDay[d.Day]
		if sum == nil {
			sum = &[2]int64{}
			byDay[d.Day] = sum
		}
		sum[0] += max(d.Created, 0)
		sum[1] += max(d.Completed, 0)
	}
	if err := cur.Err(); err != nil {
		return nil, errs.Wrap(err, "read todo statistics")
	}
	_ = cur.Close(ctx)
	out := make([]todos.DayStats, 0, len(byDay))
	for day, sum := range byDay {
		out = append(out, todos.DayStats{Day: day, Created: int(sum[0]), Completed: int(sum[1])})
	}
	slices.SortFunc(out, func(a, b todos.DayStats) int { return strings.Compare(a.Day, b.Day) })
	return out, nil
}

// clamp reads a counter that undone completions may have taken below zero (a completion
// counted before statistics existed, then undone) as zero.
func clamp(n int64) int {
	return int(max(n, 0))
}

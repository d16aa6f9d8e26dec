package todos

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"fedstack/platform/errs"
)

// sideEffectTimeout bounds the statistics update and the change publication that follow
// a write; the write itself has succeeded by then.
const sideEffectTimeout = 5 * time.Second

// ServiceConfig holds what a Service needs.
type ServiceConfig struct {
	Store  Store
	Stats  StatsStore       // optional: nil keeps no statistics
	Feed   ChangeFeed       // optional: nil publishes no changes
	Logger *slog.Logger     // optional
	Now    func() time.Time // optional: time.Now
}

// Service applies the rules of todos over a Store, keeps the daily statistics and
// publishes every change on the ChangeFeed after the write.
type Service struct {
	store  Store
	stats  StatsStore
	feed   ChangeFeed
	logger *slog.Logger
	now    func() time.Time
}

// NewService returns a Service.
func NewService(cfg ServiceConfig) *Service {
	s := &Service{store: cfg.Store, stats: cfg.Stats, feed: cfg.Feed, logger: cfg.Logger, now: cfg.Now}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// checkOwner refuses an empty owner (a programming error upstream: resolvers pass the
// signed-in user).
func checkOwner(ownerID string) error {
	if ownerID == "" {
		return errs.E(errs.Unauthenticated, "sign in to use todos")
	}
	return nil
}

func checkID(id string) error {
	if !ValidID(id) {
		return InvalidID(id)
	}
	return nil
}

func checkVersion(v int) error {
	if v < 0 {
		return &errs.Error{Code: errs.Invalid, Field: "version", Message: "version must be a positive number (the version the change was made against)"}
	}
	return nil
}

// Create adds a todo. With a client-chosen ID a retried create returns the first one's todo.
func (s *Service) Create(ctx context.Context, ownerID string, in NewTodo) (*Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	t, err := validNew(in)
	if err != nil {
		return nil, err
	}
	if t.ID == "" {
		t.ID = NewID()
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	t.OwnerID, t.Version, t.CreatedAt, t.UpdatedAt = ownerID, 1, now, now
	stored, created, err := s.store.Create(ctx, t)
	if err != nil {
		return nil, err
	}
	if created {
		s.afterWrite(ctx, func(ctx context.Context) error {
			if s.stats == nil {
				return nil
			}
			return s.stats.AddCreated(ctx, ownerID, DayOf(stored.CreatedAt), 1)
		})
		s.publish(ctx, &TodoChange{Kind: Created, OwnerID: ownerID, TodoID: stored.ID, Todo: stored})
	}
	return stored, nil
}

func validNew(in NewTodo) (*Todo, error) {
	if in.ID != "" && !ValidID(in.ID) {
		return nil, InvalidID(in.ID)
	}
	title, err := NormalizeTitle(in.Title)
	if err != nil {
		return nil, err
	}
	notes, err := NormalizeNotes(in.Notes)
	if err != nil {
		return nil, err
	}
	due, err := NormalizeDueOn(in.DueOn)
	if err != nil {
		return nil, err
	}
	if in.Priority == "" {
		in.Priority = PriorityNone
	}
	if !in.Priority.Valid() {
		return nil, &errs.Error{Code: errs.Invalid, Field: "priority", Message: "priority must be NONE, LOW, MEDIUM or HIGH"}
	}
	tags, err := NormalizeTags(in.Tags)
	if err != nil {
		return nil, err
	}
	return &Todo{ID: lower(in.ID), Title: title, Notes: notes, DueOn: due, Priority: in.Priority, Tags: tags}, nil
}

func lower(id string) string {
	b := []byte(id)
	for i, c := range b {
		if c >= 'A' && c <= 'F' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// List returns a page of the owner's todos.
func (s *Service) List(ctx context.Context, ownerID string, q ListQuery) (*TodoPage, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	if q.Filter == "" {
		q.Filter = FilterAll
	}
	if !q.Filter.Valid() {
		return nil, &errs.Error{Code: errs.Invalid, Field: "filter", Message: "filter must be ALL, ACTIVE or COMPLETED"}
	}
	if q.First == 0 {
		q.First = DefaultPageSize
	}
	if q.First < 1 || q.First > MaxPageSize {
		return nil, &errs.Error{Code: errs.Invalid, Field: "first", Message: "first must be between 1 and 200"}
	}
	return s.store.List(ctx, ownerID, q)
}

// Get returns one of the owner's todos.
func (s *Service) Get(ctx context.Context, ownerID, id string) (*Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	return s.store.Get(ctx, ownerID, lower(id))
}

// Counts counts the owner's todos by state.
func (s *Service) Counts(ctx context.Context, ownerID string) (Counts, error) {
	if err := checkOwner(ownerID); err != nil {
		return Counts{}, err
	}
	return s.store.Count(ctx, ownerID)
}

// Update changes fields of a todo; with expectedVersion > 0 a stale version is a
// *Conflict carrying the current todo.
func (s *Service) Update(ctx context.Context, ownerID, id string, expectedVersion int, p Patch) (*Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	if err := checkVersion(expectedVersion); err != nil {
		return nil, err
	}
	var err error
	if p.Title != nil {
		var v string
		if v, err = NormalizeTitle(*p.Title); err != nil {
			return nil, err
		}
		p.Title = &v
	}
	if p.Notes != nil {
		var v string
		if v, err = NormalizeNotes(*p.Notes); err != nil {
			return nil, err
		}
		p.Notes = &v
	}
	if p.DueOn != nil {
		var v string
		if v, err = NormalizeDueOn(*p.DueOn); err != nil {
			return nil, err
		}
		p.DueOn = &v
	}
	if p.Priority != nil && !p.Priority.Valid() {
		return nil, &errs.Error{Code: errs.Invalid, Field: "priority", Message: "priority must be NONE, LOW, MEDIUM or HIGH"}
	}
	if p.Tags != nil {
		v, err := NormalizeTags(*p.Tags)
		if err != nil {
			return nil, err
		}
		p.Tags = &v
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	return s.change(ctx, ownerID, lower(id), expectedVersion, func(t *Todo) error {
		if p.Title != nil {
			t.Title = *p.Title
		}
		if p.Notes != nil {
			t.Notes = *p.Notes
		}
		if p.DueOn != nil {
			t.DueOn = *p.DueOn
		}
		if p.Priority != nil {
			t.Priority = *p.Priority
		}
		if p.Tags != nil {
			t.Tags = *p.Tags
		}
		if p.Completed != nil {
			setCompleted(t, *p.Completed, now)
		}
		return nil
	})
}

func setCompleted(t *Todo, completed bool, now time.Time) {
	if t.Completed == completed {
		return
	}
	t.Completed = completed
	if completed {
		t.CompletedAt = &now
	} else {
		t.CompletedAt = nil
	}
}

// Toggle flips completed.
func (s *Service) Toggle(ctx context.Context, ownerID, id string, expectedVersion int) (*Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	if err := checkVersion(expectedVersion); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	return s.change(ctx, ownerID, lower(id), expectedVersion, func(t *Todo) error {
		setCompleted(t, !t.Completed, now)
		return nil
	})
}

// Move puts a todo between two others of the owner's list: after afterID and before
// beforeID ("" for either end).
func (s *Service) Move(ctx context.Context, ownerID, id, afterID, beforeID string, expectedVersion int) (*Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	for _, x := range []string{id, afterID, beforeID} {
		if x != "" {
			if err := checkID(x); err != nil {
				return nil, err
			}
		}
	}
	if id == "" {
		return nil, InvalidID(id)
	}
	if err := checkVersion(expectedVersion); err != nil {
		return nil, err
	}
	id, afterID, beforeID = lower(id), lower(afterID), lower(beforeID)
	if afterID == id || beforeID == id {
		return nil, &errs.Error{Code: errs.Invalid, Field: "afterId", Message: "a todo cannot be moved next to itself"}
	}
	neighbour := func(nid string) (string, error) {
		if nid == "" {
			return "", nil
		}
		t, err := s.store.Get(ctx, ownerID, nid)
		if err != nil {
			return "", err
		}
		return t.Position, nil
	}
	lo, err := neighbour(afterID)
	if err != nil {
		return nil, err
	}
	hi, err := neighbour(beforeID)
	if err != nil {
		return nil, err
	}
	if lo != "" && hi != "" && lo >= hi {
		return nil, &errs.Error{Code: errs.Invalid, Field: "beforeId", Message: "afterId must come before beforeId in the list"}
	}
	pos := PositionBetween(lo, hi)
	return s.change(ctx, ownerID, id, expectedVersion, func(t *Todo) error {
		t.Position = pos
		return nil
	})
}

// change runs a read-modify-write, then updates statistics and publishes the change.
func (s *Service) change(ctx context.Context, ownerID, id string, expectedVersion int, f func(*Todo) error) (*Todo, error) {
	before, after, err := s.store.Update(ctx, ownerID, id, expectedVersion, f)
	if err != nil {
		return nil, err
	}
	s.countCompletion(ctx, ownerID, before, after)
	s.publish(ctx, &TodoChange{Kind: Updated, OwnerID: ownerID, TodoID: after.ID, Todo: after})
	return after, nil
}

// countCompletion records a completion on the day it happened, or takes back an undone
// one from the day it had been counted.
func (s *Service) countCompletion(ctx context.Context, ownerID string, before, after *Todo) {
	if s.stats == nil || before == nil || after == nil || before.Completed == after.Completed {
		return
	}
	s.afterWrite(ctx, func(ctx context.Context) error {
		if after.Completed {
			return s.stats.AddCompleted(ctx, ownerID, DayOf(*after.CompletedAt), 1)
		}
		if before.CompletedAt != nil {
			return s.stats.AddCompleted(ctx, ownerID, DayOf(*before.CompletedAt), -1)
		}
		return nil
	})
}

// SetAllCompleted marks all the owner's todos completed (or all active) and returns those
// that changed.
func (s *Service) SetAllCompleted(ctx context.Context, ownerID string, completed bool) ([]*Todo, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	// Completions undone are taken back from the days they were counted on, so learn
	// those days first.
	var wasCompleted map[string]*time.Time
	if !completed && s.stats != nil {
		before, err := s.store.ListByOwners(ctx, []string{ownerID}, FilterCompleted)
		if err != nil {
			return nil, err
		}
		wasCompleted = map[string]*time.Time{}
		for _, t := range before[ownerID] {
			wasCompleted[t.ID] = t.CompletedAt
		}
	}
	changed, err := s.store.SetAllCompleted(ctx, ownerID, completed, now)
	if err != nil {
		return nil, err
	}
	if len(changed) == 0 {
		return changed, nil
	}
	if s.stats != nil {
		s.afterWrite(ctx, func(ctx context.Context) error {
			if completed {
				return s.stats.AddCompleted(ctx, ownerID, DayOf(now), len(changed))
			}
			perDay := map[Day]int{}
			for _, t := range changed {
				if at := wasCompleted[t.ID]; at != nil {
					perDay[DayOf(*at)]--
				}
			}
			for day, n := range perDay {
				if err := s.stats.AddCompleted(ctx, ownerID, day, n); err != nil {
					return err
				}
			}
			return nil
		})
	}
	s.publish(ctx, &TodoChange{Kind: Bulk, OwnerID: ownerID, Todos: changed})
	return changed, nil
}

// ClearCompleted deletes the owner's completed todos and returns their ids.
func (s *Service) ClearCompleted(ctx context.Context, ownerID string) ([]string, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	deleted, err := s.store.DeleteCompleted(ctx, ownerID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(deleted))
	for i, t := range deleted {
		ids[i] = t.ID
	}
	if len(ids) > 0 {
		s.publish(ctx, &TodoChange{Kind: Bulk, OwnerID: ownerID, DeletedIDs: ids, Todos: []*Todo{}})
	}
	return ids, nil
}

// Delete removes a todo (with expectedVersion > 0, only at that version).
func (s *Service) Delete(ctx context.Context, ownerID, id string, expectedVersion int) error {
	if err := checkOwner(ownerID); err != nil {
		return err
	}
	if err := checkID(id); err != nil {
		return err
	}
	if err := checkVersion(expectedVersion); err != nil {
		return err
	}
	t, err := s.store.Delete(ctx, ownerID, lower(id), expectedVersion)
	if err != nil {
		return err
	}
	s.publish(ctx, &TodoChange{Kind: Deleted, OwnerID: ownerID, TodoID: t.ID})
	return nil
}

// TodosByOwners lists every todo of several owners (for User.todos, batched).
func (s *Service) TodosByOwners(ctx context.Context, ownerIDs []string, f Filter) (map[string][]*Todo, error) {
	if f == "" {
		f = FilterAll
	}
	if !f.Valid() {
		return nil, &errs.Error{Code: errs.Invalid, Field: "filter", Message: "filter must be ALL, ACTIVE or COMPLETED"}
	}
	return s.store.ListByOwners(ctx, ownerIDs, f)
}

// TodosByIDs returns the todos among ids, whoever owns them.
func (s *Service) TodosByIDs(ctx context.Context, ids []string) (map[string]*Todo, error) {
	return s.store.ByIDs(ctx, ids)
}

// StatsKey asks for one owner's statistics over the last Days days.
type StatsKey struct {
	OwnerID string
	Days    int
}

// CheckStatsDays validates a window length.
func CheckStatsDays(days int) error {
	if days < 1 || days > MaxStatsDays {
		return &errs.Error{Code: errs.Invalid, Field: "days", Message: "days must be between 1 and 366"}
	}
	return nil
}

// StatsByKeys computes the statistics of several owners with one store query (the
// widest window asked for).
func (s *Service) StatsByKeys(ctx context.Context, keys []StatsKey) (map[StatsKey]*TodoStats, error) {
	out := make(map[StatsKey]*TodoStats, len(keys))
	if len(keys) == 0 || s.stats == nil {
		for _, k := range keys {
			out[k] = ComputeStats(nil, max(k.Days, 1), s.now())
		}
		return out, nil
	}
	widest := 1
	owners := make([]string, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		if err := CheckStatsDays(k.Days); err != nil {
			return nil, err
		}
		widest = max(widest, k.Days)
		if !seen[k.OwnerID] {
			seen[k.OwnerID] = true
			owners = append(owners, k.OwnerID)
		}
	}
	today := s.now().UTC()
	byOwner, err := s.stats.StatsByOwners(ctx, owners, DayOf(today.AddDate(0, 0, -(widest-1))), DayOf(today))
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		out[k] = ComputeStats(byOwner[k.OwnerID], k.Days, today)
	}
	return out, nil
}

// StatsAll computes the statistics over every user (administrators only; the caller checks).
func (s *Service) StatsAll(ctx context.Context, days int) (*TodoStats, error) {
	if err := CheckStatsDays(days); err != nil {
		return nil, err
	}
	today := s.now().UTC()
	if s.stats == nil {
		return ComputeStats(nil, days, today), nil
	}
	list, err := s.stats.StatsAll(ctx, DayOf(today.AddDate(0, 0, -(days-1))), DayOf(today))
	if err != nil {
		return nil, err
	}
	st := ComputeStats(&OwnerStats{Days: list}, days, today)
	st.CurrentStreak = StreakOfDays(list, today)
	return st, nil
}

// Changes feeds a subscription of the owner's changes, resuming after since.
func (s *Service) Changes(ctx context.Context, ownerID, since string) (<-chan *TodoChange, error) {
	if err := checkOwner(ownerID); err != nil {
		return nil, err
	}
	if s.feed == nil {
		return nil, errs.E(errs.Internal, "realtime changes are not configured")
	}
	return s.feed.Changes(ctx, ownerID, since)
}

// afterWrite runs a follow-up of a committed write that must not fail it: it outlives a
// client that went away, and a failure is logged.
func (s *Service) afterWrite(ctx context.Context, f func(context.Context) error) {
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideEffectTimeout)
	defer cancel()
	if err := f(fctx); err != nil {
		s.logger.WarnContext(ctx, "updating todo statistics failed", "error", err)
	}
}

// publish sends a change after its write; a failure is logged (the write stands, and a
// client that resumes later reads its list again).
func (s *Service) publish(ctx context.Context, c *TodoChange) {
	if s.feed == nil {
		return
	}
	c.At = s.now().UTC()
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sideEffectTimeout)
	defer cancel()
	if err := s.feed.Publish(pctx, c); err != nil {
		s.logger.WarnContext(ctx, "todo change not published: other clients will not see it live",
			"kind", c.Kind, "todo_id", c.TodoID, "error", err)
	}
}

// IsConflict returns the Conflict in err's chain, if any.
func IsConflict(err error) (*Conflict, bool) {
	var c *Conflict
	ok := errors.As(err, &c)
	return c, ok
}

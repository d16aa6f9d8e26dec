package todos

import (
	"context"
	"time"
)

// Daily statistics count, per user and per calendar day (UTC), the todos created and the
// todos completed that day. They are kept as counters updated with each write (package
// mongo stores one document per user and day, plus one per user with the completion
// streak), because FerretDB cannot group dates on the fly and a scan of every todo would
// not scale.

// Day is a calendar day "YYYY-MM-DD" (UTC).
type Day = string

// DayOf returns the UTC calendar day of t.
func DayOf(t time.Time) Day { return t.UTC().Format(time.DateOnly) }

// DayStats is one day's counts.
type DayStats struct {
	Day       Day
	Created   int
	Completed int
}

// Streak is how many consecutive days, ending with LastDay, had a completion.
type Streak struct {
	LastDay Day
	Days    int
}

// OwnerStats is what the StatsStore holds for one user over a window.
type OwnerStats struct {
	// Days are the days of the window that have counts, in any order.
	Days   []DayStats
	Streak Streak
}

// StatsStore keeps the daily counters (package mongo implements it).
type StatsStore interface {
	// AddCreated counts n todos created on day.
	AddCreated(ctx context.Context, ownerID string, day Day, n int) error
	// AddCompleted counts n (possibly negative, when a completion is undone) todos
	// completed on day; a positive n on a later day than the streak's last day extends
	// the streak (or restarts it after a gap).
	AddCompleted(ctx context.Context, ownerID string, day Day, n int) error
	// StatsByOwners returns, in one query, each owner's days from..to (inclusive) and
	// streak; owners without any are absent.
	StatsByOwners(ctx context.Context, ownerIDs []string, from, to Day) (map[string]*OwnerStats, error)
	// StatsAll returns the days from..to summed over every user.
	StatsAll(ctx context.Context, from, to Day) ([]DayStats, error)
}

// TodoStats is what users (and administrators, over everyone) see.
type TodoStats struct {
	// Days has one entry per day of the window, oldest first, zeros included.
	Days      []DayStats
	Created   int
	Completed int
	// CompletionRate is Completed / Created over the window (0 when nothing was created).
	CompletionRate float64
	// CurrentStreak is the number of consecutive days up to today (or up to yesterday,
	// when nothing is completed yet today) with at least one completion.
	CurrentStreak int
}

// Stats window limits, in days.
const (
	DefaultStatsDays = 30
	MaxStatsDays     = 366
)

// ComputeStats builds the TodoStats of a window of days ending today from what the store
// returned (nil: nothing recorded).
func ComputeStats(s *OwnerStats, days int, today time.Time) *TodoStats {
	out := &TodoStats{Days: make([]DayStats, days)}
	byDay := map[Day]DayStats{}
	if s != nil {
		for _, d := range s.Days {
			byDay[d.Day] = d
		}
	}
	start := today.UTC().AddDate(0, 0, -(days - 1))
	for i := range days {
		day := DayOf(start.AddDate(0, 0, i))
		d := byDay[day]
		d.Day = day
		out.Days[i] = d
		out.Created += d.Created
		out.Completed += d.Completed
	}
	if out.Created > 0 {
		out.CompletionRate = float64(out.Completed) / float64(out.Created)
	}
	if s != nil && s.Streak.Days > 0 {
		t, y := DayOf(today), DayOf(today.AddDate(0, 0, -1))
		if s.Streak.LastDay == t || s.Streak.LastDay == y {
			out.CurrentStreak = s.Streak.Days
		}
	}
	return out
}

// StreakOfDays computes the current streak from per-day counts (used for the totals over
// every user, which have no stored streak): consecutive days with completions ending
// today or yesterday.
func StreakOfDays(days []DayStats, today time.Time) int {
	has := map[Day]bool{}
	for _, d := range days {
		if d.Completed > 0 {
			has[d.Day] = true
		}
	}
	day := today.UTC()
	if !has[DayOf(day)] {
		day = day.AddDate(0, 0, -1)
	}
	n := 0
	for has[DayOf(day)] {
		n++
		day = day.AddDate(0, 0, -1)
	}
	return n
}

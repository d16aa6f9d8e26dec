package ratelimit

import (
	"testing"
	"time"
)

func TestHumanWait(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "1 second"},
		{200 * time.Millisecond, "1 second"},
		{time.Second, "1 second"},
		{1001 * time.Millisecond, "2 seconds"},
		{42 * time.Second, "42 seconds"},
		{119 * time.Second, "119 seconds"},
		{2 * time.Minute, "2 minutes"},
		{150 * time.Second, "3 minutes"},
		{time.Hour, "60 minutes"},
		{2 * time.Hour, "2 hours"},
		{150 * time.Minute, "3 hours"},
	} {
		if got := humanWait(c.d); got != c.want {
			t.Errorf("humanWait(%s) = %q, want %q", c.d, got, c.want)
		}
	}
}

package todos

import (
	"strconv"
	"strings"
	"time"
)

// Positions order a user's list. They are strings over the digits 0-9a-z compared
// byte-wise, never ending in '0', so that there is always a key between two others:
// moving a todo rewrites only its own key, never the whole list.

const positionDigits = "0123456789abcdefghijklmnopqrstuvwxyz"

// AppendPosition is the key of a todo added at the end at t: the time in milliseconds
// in fixed-width base 36, so later todos sort after earlier ones, then 'i' so the key
// does not end in '0'.
func AppendPosition(t time.Time) string {
	ms := strconv.FormatInt(t.UnixMilli(), 36)
	return strings.Repeat("0", max(0, 9-len(ms))) + ms + "i"
}

// ValidPosition reports whether p is a position key.
func ValidPosition(p string) bool {
	if p == "" || len(p) > 512 || p[len(p)-1] == '0' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if strings.IndexByte(positionDigits, p[i]) < 0 {
			return false
		}
	}
	return true
}

// PositionBetween returns a key strictly between a and b: a "" means before everything,
// b "" after everything. a must sort before b; both must be valid keys (or "").
func PositionBetween(a, b string) string {
	if b != "" {
		// Keep the common prefix, reading a missing digit of a as '0'.
		n := 0
		for n < len(b) && digitAt(a, n) == strings.IndexByte(positionDigits, b[n]) {
			n++
		}
		if n > 0 {
			return b[:n] + PositionBetween(suffix(a, n), b[n:])
		}
	}
	lo := digitAt(a, 0)
	hi := len(positionDigits)
	if b != "" {
		hi = strings.IndexByte(positionDigits, b[0])
	}
	if hi-lo > 1 {
		return string(positionDigits[(lo+hi+1)/2])
	}
	// Adjacent first digits: a shorter key of b's first digit still sorts below b when b
	// goes on; otherwise keep a's first digit and find room after the rest of a.
	if len(b) > 1 {
		return b[:1]
	}
	return string(positionDigits[lo]) + PositionBetween(suffix(a, 1), "")
}

func digitAt(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	return strings.IndexByte(positionDigits, s[i])
}

func suffix(s string, n int) string {
	if n >= len(s) {
		return ""
	}
	return s[n:]
}

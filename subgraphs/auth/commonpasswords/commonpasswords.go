// Package commonpasswords tells whether a password is one of the most common ones, so that
// sign-up and password change can refuse it.
//
// The list is the "passwords" frequency list of the zxcvbn password strength estimator
// (github.com/trustelem/zxcvbn/frequency, the Go port of Dropbox's zxcvbn): the 30,000 most
// frequent passwords of a corpus of leaked ones, all lower case. Only the entries of at
// least 8 characters (auth.MinPasswordLength) are kept, since shorter passwords are refused
// by the length rule anyway: 11,611 entries, held as a sorted slice of strings that share
// the list's bytes (about 190 KB of heap), built on the first call and searched by binary
// search (about 100 ns a call).
//
// The dependency itself costs about 1.5 MB of heap from program start (its package builds
// a map of all its word lists at init, whether or not Contains is called) and about 2.2 MB
// of binary size.
package commonpasswords

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"
)

// MinLength is the length (in characters) under which list entries are dropped. It
// matches the minimum password length of the auth service.
const MinLength = 8

// list returns the kept entries, built on first use.
var list = sync.OnceValue(build)

// build returns the entries of at least MinLength characters, lower-cased, sorted and
// without duplicates.
func build() []string {
	src := frequency.FrequencyLists["passwords"]
	out := make([]string, 0, len(src)/2)
	for _, p := range src {
		if utf8.RuneCountInString(p) >= MinLength {
			out = append(out, strings.ToLower(p))
		}
	}
	slices.Sort(out)
	return slices.Clip(slices.Compact(out))
}

// Contains reports whether password, compared case-insensitively and with leading and
// trailing white space trimmed, is on the list of common passwords. Passwords shorter
// than MinLength characters after trimming are never reported: the list keeps none.
func Contains(password string) bool {
	p := strings.ToLower(strings.TrimSpace(password))
	if utf8.RuneCountInString(p) < MinLength {
		return false
	}
	_, found := slices.BinarySearch(list(), p)
	return found
}

// Len returns the number of entries on the list.
func Len() int { return len(list()) }

package commonpasswords_test

import (
	"crypto/rand"
	"testing"

	"fedstack/subgraphs/auth/commonpasswords"
)

func TestContains(t *testing.T) {
	for _, c := range []struct {
		password string
		want     bool
	}{
		{"password", true},
		{"Password1", true}, // "password1" is on the list; case does not matter
		{"PASSWORD", true},
		{"12345678", true},
		{"123456789", true},
		{"qwertyuiop", true},
		{"QwErTyUiOp", true},
		{"iloveyou", true},
		{"trustno1", true},
		{"1qaz2wsx", true},
		{"  password\t\n", true}, // trimmed
		{"football", true},

		{"", false},
		{"        ", false},
		{"123456", false},   // on the list, but shorter than 8: the length rule refuses it
		{"qwerty", false},   // idem
		{" qwerty ", false}, // 8 characters only with the spaces
		{"password-not-on-any-list-7c1f", false},
		{"correct horse battery staple", false},
		{"pass word", false},
	} {
		if got := commonpasswords.Contains(c.password); got != c.want {
			t.Errorf("Contains(%q) = %v, want %v", c.password, got, c.want)
		}
	}
}

func TestRandomPasswordsAreNotCommon(t *testing.T) {
	for range 100 {
		p := rand.Text()[:16]
		if commonpasswords.Contains(p) {
			t.Errorf("Contains(%q) = true for a random password", p)
		}
	}
}

func TestListSize(t *testing.T) {
	// zxcvbn's list has 30,000 entries, 11,611 of them 8 characters or more.
	if n := commonpasswords.Len(); n < 10000 || n > 30000 {
		t.Errorf("Len() = %d, want about 11,600", n)
	}
}

func BenchmarkContains(b *testing.B) {
	commonpasswords.Contains("warm-up")
	for b.Loop() {
		commonpasswords.Contains("Tr0ub4dor&3-and-more")
	}
}

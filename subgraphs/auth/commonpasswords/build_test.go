package commonpasswords

import (
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"
)

// TestWholeList checks Contains against every entry of the source list: the long ones are
// found whatever their case and padding, the short ones never are.
func TestWholeList(t *testing.T) {
	src := frequency.FrequencyLists["passwords"]
	if len(src) < 10000 {
		t.Fatalf("the source list has %d entries, want tens of thousands", len(src))
	}
	long := 0
	for _, p := range src {
		want := utf8.RuneCountInString(p) >= MinLength
		if want {
			long++
		}
		for _, v := range []string{p, strings.ToUpper(p), " " + p + "\n"} {
			if got := Contains(v); got != want {
				t.Fatalf("Contains(%q) = %v, want %v", v, got, want)
			}
		}
	}
	if Len() != long {
		t.Errorf("Len() = %d, want %d", Len(), long)
	}
}

// TestBuildMemory logs what the set costs and fails if that grows far past the ~190 KB
// expected.
func TestBuildMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	set := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	delta := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d entries, %d bytes of heap", len(set), delta)
	if delta > 1<<20 {
		t.Errorf("the set takes %d bytes of heap, want under 1 MiB", delta)
	}
	runtime.KeepAlive(set)
}

package report

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPercentileIsNearestRank(t *testing.T) {
	for _, n := range []int{100, 1000} {
		var d []time.Duration
		for i := n; i >= 1; i-- {
			d = append(d, time.Duration(i)*time.Millisecond)
		}
		SortDurations(d)
		for p, rank := range map[float64]int{0.5: n / 2, 0.95: n * 95 / 100, 0.99: n * 99 / 100, 1: n} {
			if got, want := Percentile(d, p), time.Duration(rank)*time.Millisecond; got != want {
				t.Errorf("n %d: Percentile(%v) = %v, want %v", n, p, got, want)
			}
		}
	}
	// Nearest rank: the smallest value with at least p of them at or below it.
	three := []time.Duration{1, 2, 3}
	if Percentile(three, 0.5) != 2 || Percentile(three, 0.34) != 2 || Percentile(three, 0.33) != 1 || Percentile(three, 0.01) != 1 {
		t.Errorf("percentiles of 1, 2, 3: %v %v %v %v", Percentile(three, 0.5), Percentile(three, 0.34), Percentile(three, 0.33), Percentile(three, 0.01))
	}
	if Percentile(nil, 0.5) != 0 {
		t.Error("the percentile of nothing is not 0")
	}
}

func TestWriteJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.jsonl")
	type row struct {
		Phase string `json:"phase"`
		N     int    `json:"n"`
	}
	if err := WriteJSONLines(path, row{"a", 1}, &row{"b", 2}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if want := "{\"phase\":\"a\",\"n\":1}\n{\"phase\":\"b\",\"n\":2}\n"; err != nil || string(b) != want {
		t.Errorf("wrote %q (%v), want %q", b, err, want)
	}
	if err := WriteJSONLines(filepath.Join(path, "below-a-file"), row{}); err == nil {
		t.Error("no error for a path that cannot be created")
	}
}

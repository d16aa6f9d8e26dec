// Package report holds what the benchmark programs share to report their results:
// nearest-rank percentiles of durations, and JSON lines to a file or stdout.
package report

import (
	"encoding/json"
	"io"
	"os"
	"slices"
	"time"
)

// SortDurations sorts d in increasing order, as Percentile wants it.
func SortDurations(d []time.Duration) { slices.Sort(d) }

// Percentile is the nearest-rank percentile p (0 < p ≤ 1) of sorted d; 0 for none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// WriteJSONLines writes each value as one line of JSON to the file path (created or
// truncated), or to stdout when path is "".
func WriteJSONLines(path string, values ...any) error {
	out := io.Writer(os.Stdout)
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		out = f
	}
	enc := json.NewEncoder(out)
	for _, v := range values {
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}

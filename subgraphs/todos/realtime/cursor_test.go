package realtime

import "testing"

func TestCursorsCompareAsNumbers(t *testing.T) {
	ordered := []string{"0-0", "0-1", "1-0", "9-0", "10-0", "10-2", "10-10", "999-5", "1000-0", "1795945243240-0", "1795945243240-9", "1795945243240-10", "18446744073709551615-18446744073709551615"}
	for i, a := range ordered {
		ca, ok := parseCursor(a)
		if !ok || ca.String() != a {
			t.Fatalf("parseCursor(%q) = %v, %v", a, ca, ok)
		}
		for j, b := range ordered {
			cb, _ := parseCursor(b)
			if got := ca.less(cb); got != (i < j) {
				t.Errorf("%s < %s: got %v", a, b, got)
			}
		}
	}
	if c, ok := parseCursor("007-01"); !ok || c.String() != "7-1" {
		t.Errorf("leading zeros: %v %v", c, ok)
	}
}

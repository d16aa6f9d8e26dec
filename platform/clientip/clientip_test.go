package clientip

import (
	"net/http/httptest"
	"testing"
)

func TestIP(t *testing.T) {
	r := MustParse("127.0.0.0/8, ::1, 10.0.0.0/8")
	cases := []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"direct untrusted peer ignores the header", "203.0.113.9:5000", []string{"1.2.3.4"}, "203.0.113.9"},
		{"trusted peer, one hop", "127.0.0.1:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"spoofed leftmost value is skipped", "127.0.0.1:5000", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"several trusted hops", "127.0.0.1:5000", []string{"198.51.100.7, 10.1.2.3"}, "198.51.100.7"},
		{"several header lines", "::1", []string{"198.51.100.7", "10.1.2.3"}, "198.51.100.7"},
		{"trusted peer without header", "[::1]:80", nil, "::1"},
		{"garbage hop stops the walk", "127.0.0.1:1", []string{"198.51.100.7, nonsense"}, "127.0.0.1"},
		{"ipv4-mapped peer", "[::ffff:127.0.0.1]:1", []string{"198.51.100.8"}, "198.51.100.8"},
		{"no address", "pipe", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = c.remote
			for _, v := range c.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			if got := r.IP(req); got != c.want {
				t.Fatalf("IP = %q, want %q", got, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	if _, err := Parse("10.0.0.0/8, banana"); err == nil {
		t.Fatal("Parse accepted banana")
	}
	r, err := Parse("")
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "127.0.0.1:1"
	req.Header.Set("X-Forwarded-For", "1.2.3.4")
	if got := r.IP(req); got != "127.0.0.1" {
		t.Fatalf("empty trust list: IP = %q", got)
	}
}

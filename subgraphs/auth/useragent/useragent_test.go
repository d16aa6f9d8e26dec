package useragent_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"fedstack/subgraphs/auth/useragent"
)

func TestDescribe(t *testing.T) {
	for _, c := range []struct{ ua, want string }{
		// Desktop browsers.
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on macOS"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on macOS"},
		{"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 on Linux"},
		{"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0", "Firefox 132 on Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge 131 on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Safari/605.1.15", "Safari 18 on macOS"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera 115 on Windows"},
		{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on ChromeOS"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chromium/120.0.6099.224 Chrome/120.0.6099.224 Safari/537.36", "Chromium 120 on Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Vivaldi/7.0.3495.18", "Vivaldi 7 on Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer 11 on Windows"},
		{"Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.1; Trident/6.0)", "Internet Explorer 10 on Windows"},

		// Mobile browsers.
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1", "Safari 18 on iPhone"},
		{"Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148", "Safari on iPad"},
		{"Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", "Safari 17 on iPad"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1", "Chrome 131 on iPhone"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15", "Firefox 133 on iPhone"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 EdgiOS/131.2903.68 Mobile/15E148 Safari/605.1.15", "Edge 131 on iPhone"},
		{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome 131 on Android"},
		{"Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0", "Firefox 133 on Android"},
		{"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36", "Samsung Internet 26 on Android"},
		{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0", "Edge 131 on Android"},
		{"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.81 Mobile Safari/537.36", "Chrome 131 on Android"},

		// Automation and tools.
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "HeadlessChrome 131 on Linux"},
		{"curl/8.5.0", "curl 8.5"},
		{"curl/7", "curl 7"},
		{"curl", "curl"},
		{"Go-http-client/1.1", "Go HTTP client"},
		{"Go-http-client/2.0", "Go HTTP client"},
		{"Wget/1.21.4", "Wget 1.21"},
		{"python-requests/2.32.3", "Python requests 2.32"},
		{"PostmanRuntime/7.43.0", "Postman 7.43"},
		{"okhttp/4.12.0", "OkHttp 4.12"},
		{"HTTPie/3.2.4", "HTTPie 3.2"},
		{"axios/1.7.9", "axios 1.7"},
		{"node", "Node.js"},
		{"k6/0.55.0 (https://k6.io/)", "k6 0.55"},

		// Unknown.
		{"", "Unknown device"},
		{"   ", "Unknown device"},
		{"Mozilla/5.0", "Unknown device"},
		{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Unknown device"},
		{"something/1.0 else", "Unknown device"},
		{"((((", "Unknown device"},
		{"))))", "Unknown device"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Browser on Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/<script>alert(1)</script>", "Chrome on Windows"},
	} {
		if got := useragent.Describe(c.ua); got != c.want {
			t.Errorf("Describe(%q)\n = %q, want %q", c.ua, got, c.want)
		}
	}
}

func TestDescribeReadsOnlyTheStart(t *testing.T) {
	chrome := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	// Anything past MaxLength is ignored.
	long := chrome + strings.Repeat(" ", useragent.MaxLength) + "Edg/131.0"
	if got := useragent.Describe(long); got != "Chrome 131 on Windows" {
		t.Errorf("Describe(long) = %q, want %q", got, "Chrome 131 on Windows")
	}
	// A header that is all padding, or an unclosed comment, stays cheap and unknown.
	for _, ua := range []string{
		strings.Repeat("(", 1<<20),
		strings.Repeat("a/1 ", 1<<18),
		"Mozilla/5.0 (" + strings.Repeat("x;", 1<<18),
	} {
		if got := useragent.Describe(ua); got != "Unknown device" {
			t.Errorf("Describe(%.20q...) = %q, want Unknown device", ua, got)
		}
	}
	// Cutting inside a multi-byte character does not leak broken text into the label.
	ua := strings.Repeat("é", useragent.MaxLength)
	if got := useragent.Describe(ua); !utf8.ValidString(got) || got != "Unknown device" {
		t.Errorf("Describe(é...) = %q", got)
	}
}

func BenchmarkDescribe(b *testing.B) {
	ua := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86"
	for b.Loop() {
		useragent.Describe(ua)
	}
}

func FuzzDescribe(f *testing.F) {
	f.Add("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1")
	f.Add("curl/8.5.0")
	f.Fuzz(func(t *testing.T, ua string) {
		got := useragent.Describe(ua)
		if got == "" || len(got) > 64 || !utf8.ValidString(got) {
			t.Errorf("Describe(%q) = %q", ua, got)
		}
	})
}

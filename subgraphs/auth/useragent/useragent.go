// Package useragent turns a User-Agent header into a short label for a "your sessions"
// list, like "Chrome 131 on macOS" or "curl 8.5".
//
// It is a small heuristic parser, not a full database: it knows the common browsers and
// operating systems and a few HTTP tools, and says "Unknown device" for anything else.
// The label is built only from fixed names and digits, never from text of the header, so
// it is safe to show as is.
package useragent

import (
	"strings"
)

// MaxLength is how much of a header is read; the rest is ignored, which bounds the work.
const MaxLength = 512

// Unknown is the label of an empty or unrecognised header.
const Unknown = "Unknown device"

// Describe returns a short label for the device and program that sent ua: "Chrome 131 on
// macOS", "Firefox 133 on Windows", "Safari 18 on iPhone", "Safari on iPad", "curl 8.5",
// "Go HTTP client", or "Unknown device" when ua is empty or not recognised. Only the
// first MaxLength bytes of ua are read.
func Describe(ua string) string {
	if len(ua) > MaxLength {
		ua = ua[:MaxLength]
	}
	products, comments := parse(ua)
	if len(products) == 0 && len(comments) == 0 {
		return Unknown
	}
	if label, ok := tool(products); ok {
		return label
	}
	sys := system(comments)
	name, version := browser(products, comments, sys)
	switch {
	case name == "" && sys == "":
		return Unknown
	case name == "":
		return "Browser on " + sys
	}
	label := name
	if version != "" {
		label += " " + version
	}
	if sys != "" {
		label += " on " + sys
	}
	return label
}

// product is one "name/version" token of a header.
type product struct{ name, version string }

// parse splits ua into its product tokens and the ";"-separated parts of its comments
// (the text in parentheses), in order. It reads each byte once.
func parse(ua string) (products []product, comments []string) {
	for i := 0; i < len(ua); {
		switch c := ua[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '(':
			depth, start := 0, i+1
			for ; i < len(ua); i++ {
				if ua[i] == '(' {
					depth++
				} else if ua[i] == ')' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			end := min(i, len(ua))
			for part := range strings.SplitSeq(ua[start:end], ";") {
				if part = strings.TrimSpace(part); part != "" {
					comments = append(comments, part)
				}
			}
			i++
		default:
			start := i
			for i < len(ua) && ua[i] != ' ' && ua[i] != '\t' && ua[i] != '(' {
				i++
			}
			name, version, _ := strings.Cut(ua[start:i], "/")
			products = append(products, product{name, version})
		}
	}
	return products, comments
}

// tools maps the lower-cased first product of non-browser clients to their label and
// whether the label shows the version (major.minor).
var tools = map[string]struct {
	label       string
	withVersion bool
}{
	"curl":              {"curl", true},
	"wget":              {"Wget", true},
	"go-http-client":    {"Go HTTP client", false},
	"python-requests":   {"Python requests", true},
	"python-httpx":      {"Python httpx", true},
	"python-urllib":     {"Python urllib", true},
	"aiohttp":           {"Python aiohttp", true},
	"axios":             {"axios", true},
	"node-fetch":        {"node-fetch", true},
	"node":              {"Node.js", false},
	"undici":            {"Node.js", false},
	"okhttp":            {"OkHttp", true},
	"postmanruntime":    {"Postman", true},
	"insomnia":          {"Insomnia", true},
	"httpie":            {"HTTPie", true},
	"k6":                {"k6", true},
	"apache-httpclient": {"Apache HttpClient", true},
	"java-http-client":  {"Java HTTP client", true},
	"dart":              {"Dart", true},
}

// tool recognises HTTP libraries and command-line tools by their first product.
func tool(products []product) (string, bool) {
	if len(products) == 0 {
		return "", false
	}
	p := products[0]
	t, ok := tools[strings.ToLower(p.name)]
	if !ok {
		return "", false
	}
	if v := majorMinor(p.version); t.withVersion && v != "" {
		return t.label + " " + v, true
	}
	return t.label, true
}

// system returns the operating system (or Apple device) named in the comments, "" if none.
// Device names win over systems, so an iPhone ("like Mac OS X") is not macOS and Android
// ("Linux; Android 14") is not Linux.
func system(comments []string) string {
	found := ""
	rank := len(systems)
	for _, c := range comments {
		for i, s := range systems[:rank] {
			if s.match(c) {
				found, rank = s.name, i
				break
			}
		}
	}
	return found
}

// systems are tried in order of priority.
var systems = []struct {
	name  string
	match func(part string) bool
}{
	{"iPhone", prefix("iPhone")},
	{"iPad", prefix("iPad")},
	{"iPod", prefix("iPod")},
	{"Android", prefix("Android")},
	{"Windows Phone", prefix("Windows Phone")},
	{"Windows", func(s string) bool { return strings.HasPrefix(s, "Windows") || s == "Win64" || s == "WOW64" }},
	{"ChromeOS", prefix("CrOS")},
	{"macOS", func(s string) bool { return s == "Macintosh" || strings.Contains(s, "Mac OS X") }},
	{"Linux", func(s string) bool {
		return strings.HasPrefix(s, "Linux") || s == "X11" || s == "Ubuntu" || s == "Fedora"
	}},
}

func prefix(p string) func(string) bool {
	return func(s string) bool { return strings.HasPrefix(s, p) }
}

// browsers maps product names to browser labels, in order of priority: Edge, Opera and
// the others also send "Chrome/" and "Safari/", so they must be found first.
var browsers = []struct{ product, label string }{
	{"Edg", "Edge"},
	{"EdgA", "Edge"},
	{"EdgiOS", "Edge"},
	{"Edge", "Edge"},
	{"OPR", "Opera"},
	{"OPiOS", "Opera"},
	{"SamsungBrowser", "Samsung Internet"},
	{"Vivaldi", "Vivaldi"},
	{"YaBrowser", "Yandex Browser"},
	{"HeadlessChrome", "HeadlessChrome"},
	{"CriOS", "Chrome"},
	{"FxiOS", "Firefox"},
	{"Firefox", "Firefox"},
	{"Chromium", "Chromium"},
	{"Chrome", "Chrome"},
}

// browser returns the browser's name and major version ("" when unknown).
func browser(products []product, comments []string, sys string) (name, version string) {
	byName := make(map[string]string, len(products))
	for _, p := range products {
		if _, seen := byName[p.name]; !seen {
			byName[p.name] = p.version
		}
	}
	for _, b := range browsers {
		if v, ok := byName[b.product]; ok {
			return b.label, major(v)
		}
	}
	if _, ok := byName["Safari"]; ok {
		return "Safari", major(byName["Version"])
	}
	// Apps on iOS show pages in a Safari web view that sends no "Safari/" token.
	if _, ok := byName["AppleWebKit"]; ok && (sys == "iPhone" || sys == "iPad" || sys == "iPod") {
		return "Safari", major(byName["Version"])
	}
	for _, c := range comments {
		if v, ok := strings.CutPrefix(c, "MSIE "); ok {
			return "Internet Explorer", major(v)
		}
	}
	// Internet Explorer 11 says "Trident/7.0; rv:11.0" instead.
	for _, c := range comments {
		if strings.HasPrefix(c, "Trident/") {
			for _, c := range comments {
				if v, ok := strings.CutPrefix(c, "rv:"); ok {
					return "Internet Explorer", major(v)
				}
			}
			return "Internet Explorer", ""
		}
	}
	return "", ""
}

// major returns the leading digits of v ("131" for "131.0.6778.86"), at most 5, or "".
func major(v string) string {
	n := 0
	for n < len(v) && n < 5 && v[n] >= '0' && v[n] <= '9' {
		n++
	}
	return v[:n]
}

// majorMinor returns "8.5" for "8.5.0", "2" for "2", or "" when v starts with no digit.
func majorMinor(v string) string {
	m := major(v)
	if m == "" || len(v) == len(m) || v[len(m)] != '.' {
		return m
	}
	if n := major(v[len(m)+1:]); n != "" {
		return m + "." + n
	}
	return m
}

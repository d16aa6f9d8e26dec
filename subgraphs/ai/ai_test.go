package ai_test

import (
	"math"
	"strings"
	"testing"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
)

func TestCost(t *testing.T) {
	for _, c := range []struct {
		in, out int64
		pin     ai.Micros
		pout    ai.Micros
		want    ai.Micros
	}{
		{0, 0, 150_000, 600_000, 0},
		{1_000_000, 0, 150_000, 600_000, 150_000}, // $0.15 per million in
		{1_000, 500, 150_000, 600_000, 450},       // 150 + 300
		{7, 0, 150_000, 0, 1},                     // 1.05 → 1
		{3, 0, 500_000, 0, 2},                     // 1.5 → 2 (half up)
		{1, 1, 250_000, 250_000, 1},               // 0.25 + 0.25 = 0.5 → 1 (rounded once, on the sum)
		{1, 1, 200_000, 200_000, 0},               // 0.4 → 0
		{-5, 10, 1_000_000, 1_000_000, 10},        // negative counts as zero
		{math.MaxInt64, math.MaxInt64, ai.MaxPricePerMillion, ai.MaxPricePerMillion, math.MaxInt64}, // saturates
		{2_000_000_000, 1_000_000_000, 10_000 * ai.Dollar, 10_000 * ai.Dollar, 30_000 * 1_000 * ai.Dollar},
	} {
		if got := ai.Cost(c.in, c.pin, c.out, c.pout); got != c.want {
			t.Errorf("Cost(%d×%d + %d×%d) = %d, want %d", c.in, c.pin, c.out, c.pout, got, c.want)
		}
	}
	m := ai.Model{InputPrice: 2_500_000, OutputPrice: 10_000_000} // $2.50 / $10 per million
	if got := m.Cost(1234, 567); got != 8_755 {                   // 3085 + 5670
		t.Errorf("Model.Cost = %d, want 8755", got)
	}
}

func TestMicros(t *testing.T) {
	for s, want := range map[string]ai.Micros{"0.15": 150_000, "3": 3_000_000, "0.000001": 1, ".5": 500_000, "2.": 2_000_000, "10.123456": 10_123_456} {
		got, err := ai.ParseMicros(s)
		if err != nil || got != want {
			t.Errorf("ParseMicros(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", ".", "-1", "1e3", "0.0000001", "abc", "1.2.3", "99999999999999999999"} {
		if _, err := ai.ParseMicros(s); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("ParseMicros(%q): err = %v, want INVALID", s, err)
		}
	}
	if s := ai.Micros(150_000).String(); s != "0.150000" {
		t.Errorf("String = %q", s)
	}
	if s := ai.Micros(-12_345_678).String(); s != "-12.345678" {
		t.Errorf("String = %q", s)
	}
}

func field(t *testing.T, err error, want string) {
	t.Helper()
	e, ok := err.(*errs.Error)
	if !ok || e.Code != errs.Invalid || e.Field != want {
		t.Fatalf("err = %#v, want INVALID on %q", err, want)
	}
}

func TestValidateContent(t *testing.T) {
	if err := ai.ValidateContent("hello"); err != nil {
		t.Fatal(err)
	}
	if err := ai.ValidateContent(strings.Repeat("é", ai.MaxMessageChars)); err != nil {
		t.Fatalf("32000 characters (64000 bytes): %v", err)
	}
	for _, bad := range []string{"", "  \n\t", strings.Repeat("a", ai.MaxMessageChars+1), "a\x00b", "\xff"} {
		field(t, ai.ValidateContent(bad), "content")
	}
}

func TestNormalizeTitle(t *testing.T) {
	got, err := ai.NormalizeTitle("  Trip\n to   Rome\t")
	if err != nil || got != "Trip to Rome" {
		t.Fatalf("NormalizeTitle = %q, %v", got, err)
	}
	for _, bad := range []string{"", " \n ", strings.Repeat("x", ai.MaxTitleChars+1)} {
		_, err := ai.NormalizeTitle(bad)
		field(t, err, "title")
	}
	if got := ai.DefaultTitle("\n\n  How do I bake bread?\nDetails..."); got != "How do I bake bread?" {
		t.Fatalf("DefaultTitle = %q", got)
	}
	if got := ai.DefaultTitle(strings.Repeat("word ", 40)); len([]rune(got)) > 60 || !strings.HasSuffix(got, "…") {
		t.Fatalf("DefaultTitle long = %q", got)
	}
}

func TestValidateUpload(t *testing.T) {
	for _, c := range []struct{ name, ct, want string }{
		{"notes.txt", "text/plain; charset=utf-8", ai.ContentTypeText},
		{"readme", "text/markdown", ai.ContentTypeMarkdown},
		{"readme", "text/x-markdown", ai.ContentTypeMarkdown},
		{"README.MD", "application/octet-stream", ai.ContentTypeMarkdown},
		{"a.txt", "", ai.ContentTypeText},
	} {
		got, err := ai.ValidateUpload(c.name, c.ct, []byte("# Hello\nworld"))
		if err != nil || got != c.want {
			t.Errorf("ValidateUpload(%q, %q) = %q, %v; want %q", c.name, c.ct, got, err, c.want)
		}
	}
	for _, c := range []struct {
		name, ct string
		body     []byte
		field    string
	}{
		{"a.pdf", "application/pdf", []byte("x"), "file"},
		{"a.bin", "", []byte("x"), "file"},
		{"a.txt", "text/plain; charset=latin1", []byte("x"), "file"},
		{"a.txt", "text/plain", []byte{0xff, 0xfe, 0x00}, "file"},
		{"a.txt", "text/plain", []byte(" \n"), "file"},
		{"a.txt", "text/plain", make([]byte, ai.MaxDocumentBytes+1), "file"},
		{"", "text/plain", []byte("x"), "name"},
		{strings.Repeat("n", 256), "text/plain", []byte("x"), "name"},
	} {
		_, err := ai.ValidateUpload(c.name, c.ct, c.body)
		field(t, err, c.field)
	}
}

func TestNormalizeAndChunks(t *testing.T) {
	v, err := ai.Normalize([]float32{3, 4})
	if err != nil || math.Abs(float64(v[0])-0.6) > 1e-6 || math.Abs(float64(v[1])-0.8) > 1e-6 {
		t.Fatalf("Normalize = %v, %v", v, err)
	}
	if _, err := ai.Normalize([]float32{0, 0}); err == nil {
		t.Fatal("zero vector accepted")
	}
	if _, err := ai.Normalize([]float32{float32(math.NaN())}); err == nil {
		t.Fatal("NaN accepted")
	}
	if err := ai.ValidateChunks([]ai.NewChunk{{Content: "a", Embedding: []float32{1, 0}}, {Content: "b", Embedding: []float32{1}}}); err == nil {
		t.Fatal("mixed dimensions accepted")
	}
	if err := ai.ValidateChunks(nil); errs.CodeOf(err) != errs.Invalid {
		t.Fatalf("no chunks: %v", err)
	}
}

func TestValidateModel(t *testing.T) {
	m := ai.Model{ID: " gpt-4o-mini ", Provider: "openai", ContextWindow: 128_000}
	if err := ai.ValidateModel(&m); err != nil || m.ID != "gpt-4o-mini" || m.DisplayName != "gpt-4o-mini" {
		t.Fatalf("ValidateModel = %+v, %v", m, err)
	}
	for _, c := range []struct {
		m     ai.Model
		field string
	}{
		{ai.Model{ID: "a b", Provider: "x", ContextWindow: 1}, "id"},
		{ai.Model{ID: "a", ContextWindow: 1}, "provider"},
		{ai.Model{ID: "a", Provider: "x", ContextWindow: 0}, "contextWindow"},
		{ai.Model{ID: "a", Provider: "x", ContextWindow: 1, InputPrice: -1}, "inputPrice"},
		{ai.Model{ID: "a", Provider: "x", ContextWindow: 1, OutputPrice: ai.MaxPricePerMillion + 1}, "outputPrice"},
	} {
		field(t, ai.ValidateModel(&c.m), c.field)
	}
}

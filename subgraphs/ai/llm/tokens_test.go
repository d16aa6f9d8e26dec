package llm_test

import (
	"testing"

	"fedstack/subgraphs/ai/llm"
)

func TestEncodingByModel(t *testing.T) {
	for model, want := range map[string]string{
		"gpt-4o": llm.EncodingO200K, "gpt-4o-mini-2024-07-18": llm.EncodingO200K, "openai/gpt-4.1": llm.EncodingO200K,
		"o3-mini": llm.EncodingO200K, "gpt-5": llm.EncodingO200K,
		"gpt-4": llm.EncodingCL100K, "gpt-3.5-turbo": llm.EncodingCL100K, "llama3.2": llm.EncodingCL100K,
		"": llm.EncodingCL100K, llm.OfflineModelID: llm.EncodingCL100K,
	} {
		if got := llm.Encoding(model); got != want {
			t.Errorf("Encoding(%q) = %s, want %s", model, got, want)
		}
	}
}

func TestCountTokens(t *testing.T) {
	for _, c := range []struct {
		model, text string
		want        int
	}{
		{"gpt-4", "hello world", 2},
		{"gpt-4", "", 0},
		{"gpt-4", "tiktoken is great!", 6},           // cl100k: "t" "ik" "token" " is" " great" "!"
		{"llama3", "hello world", 2},                 // fallback cl100k
		{"gpt-4o", "hello world", 2},                 // o200k
		{"gpt-4", "antidisestablishmentarianism", 6}, // cl100k
	} {
		if got := llm.CountTokens(c.model, c.text); got != c.want {
			t.Errorf("CountTokens(%q, %q) = %d, want %d", c.model, c.text, got, c.want)
		}
	}
}

func TestSpecialTokensCountAsText(t *testing.T) {
	// As one special token it would be 1; as user text it is several ordinary tokens.
	if got := llm.CountTokens("gpt-4", "<|endoftext|>"); got < 2 {
		t.Fatalf("CountTokens(<|endoftext|>) = %d", got)
	}
}

func TestCountMessageTokens(t *testing.T) {
	msgs := []llm.Message{{Role: "system", Content: "You are terse."}, {Role: "user", Content: "hello world"}}
	// 3 priming + per message 3 + role (1) + content: "You are terse." = 4, "hello world" = 2.
	if got, want := llm.CountMessageTokens("gpt-4", msgs), 3+(3+1+4)+(3+1+2); got != want {
		t.Fatalf("CountMessageTokens = %d, want %d", got, want)
	}
	if got := llm.CountMessageTokens("gpt-4", nil); got != 3 {
		t.Fatalf("empty chat = %d", got)
	}
}

func TestContextWindow(t *testing.T) {
	for model, want := range map[string]int{"gpt-4o-mini": 128000, "gpt-4": 8192, "gpt-3.5-turbo": 16385,
		"llama3.2": llm.DefaultContextWindow, llm.OfflineModelID: 8192} {
		if got := llm.ContextWindow(model); got != want {
			t.Errorf("ContextWindow(%q) = %d, want %d", model, got, want)
		}
	}
}

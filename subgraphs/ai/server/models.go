package server

import (
	"strings"

	"fedstack/subgraphs/ai"
)

// knownPrices are the list prices (dollars per million input and output tokens) of
// widely used OpenAI models, so that costs are right from the first start; other models
// register at 0 until an administrator sets their prices (saveAiModel). Longest prefix
// wins, so dated snapshots ("gpt-4o-mini-2024-07-18") get their family's price.
var knownPrices = []struct {
	prefix  string
	in, out ai.Micros
}{
	{"gpt-4o-mini", 150_000, 600_000},
	{"gpt-4o", 2_500_000, 10_000_000},
	{"gpt-4.1-nano", 100_000, 400_000},
	{"gpt-4.1-mini", 400_000, 1_600_000},
	{"gpt-4.1", 2_000_000, 8_000_000},
	{"gpt-3.5-turbo", 500_000, 1_500_000},
	{"o4-mini", 1_100_000, 4_400_000},
	{"o3-mini", 1_100_000, 4_400_000},
}

func priceOf(model string) (in, out ai.Micros) {
	best := -1
	for _, p := range knownPrices {
		if strings.HasPrefix(strings.ToLower(model), p.prefix) && len(p.prefix) > best {
			best, in, out = len(p.prefix), p.in, p.out
		}
	}
	return in, out
}

// isEmbeddingModel reports whether a listed model only embeds (it cannot chat).
func isEmbeddingModel(id string) bool {
	id = strings.ToLower(id)
	return strings.Contains(id, "embed") || strings.Contains(id, "whisper") || strings.Contains(id, "tts") ||
		strings.Contains(id, "dall-e") || strings.Contains(id, "moderation")
}

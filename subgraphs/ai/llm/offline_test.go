package llm_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"fedstack/subgraphs/ai/llm"
)

func TestOfflineModelIsLabelled(t *testing.T) {
	models, err := llm.NewOffline().Models(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 1 || models[0].ID != "fedstack-offline" || !models[0].Offline ||
		models[0].Name != "Offline built-in model (no network)" {
		t.Fatalf("models %+v", models)
	}
}

func TestOfflineStreamsADeterministicAnswer(t *testing.T) {
	o := &llm.Offline{ChunkDelay: 10 * time.Millisecond}
	req := llm.Request{Model: llm.OfflineModelID, Messages: []llm.Message{
		{Role: llm.RoleSystem, Content: "You answer questions about billing cycles and when they end."}, // instructions: never quoted
		{Role: llm.RoleSystem, Content: llm.DocumentsPrefix + "\nThe billing cycle ends on the 5th. Invoices are emailed to the account owner.\nRefunds take ten days."},
		{Role: llm.RoleUser, Content: "When does the billing cycle end?"},
	}}
	start := time.Now()
	s, err := o.Stream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := readAll(t, s)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	text := strings.Join(chunks, "")
	if len(chunks) < 10 {
		t.Fatalf("only %d chunks", len(chunks))
	}
	if min := time.Duration(len(chunks)-1) * 10 * time.Millisecond; elapsed < min {
		t.Fatalf("streamed in %v, want at least %v", elapsed, min)
	}
	for _, c := range chunks[1:] {
		if strings.TrimSpace(c) == "" || strings.Contains(strings.TrimSpace(c), " ") {
			t.Fatalf("chunk %q is not one word", c)
		}
	}
	for _, want := range []string{"offline built-in model", "fedstack-offline", "When does the billing cycle end?",
		"The billing cycle ends on the 5th.", "LLM_BASE_URL"} {
		if !strings.Contains(text, want) {
			t.Errorf("answer lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Refunds") || strings.Contains(text, "You answer questions") {
		t.Errorf("answer quotes an unrelated sentence:\n%s", text)
	}
	if text != llm.OfflineAnswer(req.Messages) {
		t.Fatal("streamed text differs from OfflineAnswer")
	}
	u := s.Usage()
	if u == nil || u.PromptTokens != llm.CountMessageTokens(llm.OfflineModelID, req.Messages) ||
		u.CompletionTokens != llm.CountTokens(llm.OfflineModelID, text) {
		t.Fatalf("usage %+v", u)
	}

	// Same prompt, same answer.
	again, _, err := llm.Complete(context.Background(), &llm.Offline{}, req)
	if err != nil || again != text {
		t.Fatalf("second answer differs: %q %v", again, err)
	}
	// Another question, another answer.
	other, _, _ := llm.Complete(context.Background(), &llm.Offline{}, llm.Request{Messages: []llm.Message{{Role: "user", Content: "Explain goroutines"}}})
	if other == text || !strings.Contains(other, "goroutines") {
		t.Fatalf("other answer %q", other)
	}
}

func TestOfflineMaxTokensAndErrors(t *testing.T) {
	req := llm.Request{Messages: []llm.Message{{Role: "user", Content: "Tell me everything about the history of computing"}}, MaxTokens: 8}
	text, u, err := llm.Complete(context.Background(), &llm.Offline{}, req)
	if err != nil || llm.CountTokens(llm.OfflineModelID, text) > 8 || u.CompletionTokens > 8 || text == "" {
		t.Fatalf("%q %+v %v", text, u, err)
	}

	if _, err := (&llm.Offline{}).Stream(context.Background(), llm.Request{Model: "gpt-4o", Messages: req.Messages}); !errors.Is(err, llm.ErrBadRequest) {
		t.Fatalf("unknown model: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	s, err := (&llm.Offline{ChunkDelay: time.Hour}).Stream(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(20*time.Millisecond, cancel)
	if _, err := s.Recv(); !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}
}

func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return dot / math.Sqrt(na*nb)
}

func TestOfflineEmbeddingsRetrieve(t *testing.T) {
	docs := []string{
		"PostgreSQL stores the vectors of each chunk for cosine similarity search.",
		"The cat sat on the warm windowsill all afternoon.",
		"Invoices are emailed to the account owner every month.",
	}
	vecs, err := llm.NewOffline().Embed(context.Background(), "", append(docs, "Where are chunk vectors stored for similarity search?"))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vecs {
		if len(v) != llm.OfflineEmbeddingDim {
			t.Fatalf("dim %d", len(v))
		}
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if math.Abs(n-1) > 1e-5 {
			t.Fatalf("norm² %v", n)
		}
	}
	q := vecs[3]
	best, bestScore := -1, -2.0
	for i := range docs {
		if s := cosine(vecs[i], q); s > bestScore {
			best, bestScore = i, s
		}
	}
	if best != 0 || bestScore <= 0.3 {
		t.Fatalf("best %d score %v", best, bestScore)
	}
	if a, b := llm.OfflineEmbedding("same words"), llm.OfflineEmbedding("Same, words!"); cosine(a, b) < 0.9999 {
		t.Fatal("embedding not deterministic / case-insensitive")
	}
	for _, x := range llm.OfflineEmbedding("the of and") { // only stopwords
		if x != 0 {
			t.Fatal("stopwords embedded")
		}
	}
}

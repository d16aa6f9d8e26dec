package ai_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
	"fedstack/subgraphs/ai/llm"
	"fedstack/subgraphs/ai/llm/llmtest"
)

func TestSplitChunks(t *testing.T) {
	text := "# Title\n\nFirst paragraph is short.\n\nSecond paragraph is a little longer than the first one.\r\n\r\n" +
		strings.Repeat("A long sentence that goes on. ", 20)
	chunks := ai.SplitChunks(text, 100)
	if len(chunks) < 6 {
		t.Fatalf("%d chunks: %q", len(chunks), chunks)
	}
	if chunks[0] != "# Title\n\nFirst paragraph is short.\n\nSecond paragraph is a little longer than the first one." {
		t.Errorf("first chunk %q: short paragraphs go together", chunks[0])
	}
	for i, c := range chunks {
		if n := utf8.RuneCountInString(c); n > 100 || strings.TrimSpace(c) != c || c == "" {
			t.Errorf("chunk %d (%d characters) %q", i, n, c)
		}
	}
	// Nothing is lost: every word is in some chunk, in order.
	joined := strings.Join(chunks, " ")
	if strings.Count(joined, "A long sentence that goes on.") != 20 || !strings.Contains(joined, "little longer") {
		t.Errorf("words lost: %q", joined)
	}
	// A word longer than a chunk is cut anywhere.
	if got := ai.SplitChunks(strings.Repeat("é", 250), 100); len(got) != 3 || utf8.RuneCountInString(got[2]) != 50 {
		t.Errorf("long word: %d chunks", len(got))
	}
}

const reactorDoc = `# Plant handbook

The cafeteria opens at eight and serves soup on Tuesdays.

The Zorblax reactor runs at 451 kelvin during normal operation; above 480 kelvin it shuts down.

Parking is free for visitors in the east lot.`

// TestChatGroundsAnswersInDocuments: a question about an uploaded document is answered
// with that document's chunk in the prompt and a citation to it, with embeddings and with
// full-text search; another user's question finds nothing of it.
func TestChatGroundsAnswersInDocuments(t *testing.T) {
	for _, embeddings := range []bool{true, false} {
		name := map[bool]string{true: "embeddings", false: "full-text"}[embeddings]
		t.Run(name, func(t *testing.T) {
			opts := llmtest.Options{Models: []string{"test-model"},
				Reply: func(r llmtest.Request) string {
					if strings.Contains(r.Messages[0].Content, "451 kelvin") {
						return "It runs at 451 kelvin [1]."
					}
					return "I do not know."
				}}
			if embeddings {
				opts.Embed = llm.OfflineEmbedding // meaningful vectors: a hashed bag of words
			} else {
				opts.NoEmbeddings = true
			}
			var k *ai.Knowledge
			env := newChatWith(t, opts, func(env *chatEnv, c *ai.ChatConfig) {
				k = ai.NewKnowledge(ai.KnowledgeConfig{Store: env.Store, Embedder: env.Provider, EmbeddingModel: "embed-model", ChunkChars: 120})
				c.Knowledge = k
			})
			ctx := context.Background()
			doc, err := k.Upload(ctx, "alice", "handbook.md", "", []byte(reactorDoc))
			if err != nil {
				t.Fatal(err)
			}
			if doc.ContentType != ai.ContentTypeMarkdown || doc.ChunkCount < 3 {
				t.Fatalf("document %+v", doc)
			}
			if want := map[bool]string{true: "embed-model", false: ""}[embeddings]; doc.EmbeddingModel != want {
				t.Fatalf("embedding model %q, want %q", doc.EmbeddingModel, want)
			}

			question := "At what temperature does the Zorblax reactor run?"
			ask := func(user string) *ai.Message {
				ex, err := env.Chat.Send(ctx, ai.Caller{UserID: user, Role: ai.UserRoleUser}, ai.SendInput{Content: question})
				if err != nil {
					t.Fatal(err)
				}
				ch, err := env.Chat.Follow(ctx, user, ex.Assistant.ID, 0)
				if err != nil {
					t.Fatal(err)
				}
				if _, done := collect(t, ch, nil); done == nil || done.State != ai.StateComplete {
					t.Fatalf("done %+v", done)
				}
				m, err := env.Store.Message(ctx, user, ex.Assistant.ID)
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			m := ask("alice")
			if m.Content != "It runs at 451 kelvin [1]." {
				t.Fatalf("answer %q: the chunk was not in the prompt", m.Content)
			}
			if len(m.Citations) == 0 || m.Citations[0].DocumentID != doc.ID || m.Citations[0].DocumentName != "handbook.md" {
				t.Fatalf("citations %+v", m.Citations)
			}
			// The first citation is the reactor's chunk.
			chunks := ai.SplitChunks(reactorDoc, 120)
			if c := chunks[m.Citations[0].ChunkSeq]; !strings.Contains(c, "451 kelvin") {
				t.Errorf("first citation is chunk %d %q", m.Citations[0].ChunkSeq, c)
			}
			embedded := slices.ContainsFunc(env.LLM.Requests(), func(r llmtest.Request) bool {
				return r.Path == "/v1/embeddings" && len(r.Input) == 1 && r.Input[0] == question
			})
			if embedded != embeddings {
				t.Errorf("question embedded = %v, want %v", embedded, embeddings)
			}

			// Bob has no documents: his answer cites nothing.
			if m := ask("bob"); len(m.Citations) != 0 || m.Content != "I do not know." {
				t.Errorf("bob: %q %+v", m.Content, m.Citations)
			}
		})
	}
}

// TestUploadRefusalsStoreNothing: oversized, binary and empty uploads are INVALID and the
// knowledge base stays empty.
func TestUploadRefusalsStoreNothing(t *testing.T) {
	var k *ai.Knowledge
	env := newChatWith(t, llmtest.Options{}, func(env *chatEnv, c *ai.ChatConfig) {
		k = ai.NewKnowledge(ai.KnowledgeConfig{Store: env.Store, Embedder: env.Provider, EmbeddingModel: "embed-model"})
	})
	ctx := context.Background()
	for name, up := range map[string]struct {
		name, ct string
		body     []byte
	}{
		"oversized": {"big.txt", "text/plain", []byte(strings.Repeat("a", ai.MaxDocumentBytes+1))},
		"binary":    {"photo.txt", "text/plain", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 1}},
		"pdf":       {"paper.pdf", "application/pdf", []byte("%PDF-1.7")},
		"empty":     {"empty.md", "", []byte(" \n\n ")},
		"no type":   {"notes", "", []byte("hello")},
	} {
		if _, err := k.Upload(ctx, "alice", up.name, up.ct, up.body); errs.CodeOf(err) != errs.Invalid {
			t.Errorf("%s: %v, want INVALID", name, err)
		}
	}
	if docs, err := env.Store.Documents(ctx, "alice"); err != nil || len(docs) != 0 {
		t.Fatalf("documents %v %v", docs, err)
	}
}

// TestSplitChunksOneLongParagraph: a 2 MiB upload without blank lines is cut at spaces
// into full chunks.
func TestSplitChunksOneLongParagraph(t *testing.T) {
	long := strings.Repeat("word ", ai.MaxDocumentBytes/5)
	chunks := ai.SplitChunks(long, 1200)
	for i, c := range chunks {
		if strings.HasPrefix(c, "ord") || strings.HasSuffix(c, "wor") {
			t.Fatalf("chunk %d cut inside a word", i)
		}
	}
	if len(chunks) < ai.MaxDocumentBytes/1200 || len(chunks) > ai.MaxDocumentBytes/1000 {
		t.Errorf("%d chunks", len(chunks))
	}
}

package postgres_test

import (
	"context"
	"math"
	"testing"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
)

func TestDocumentsAndFullTextRetrieval(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	d, err := s.CreateDocument(ctx, ai.NewDocument{OwnerID: "ada", Name: "handbook.md", ContentType: ai.ContentTypeMarkdown, Size: 300},
		[]ai.NewChunk{
			{Content: "Our office opens at nine. Coffee is free in the kitchen."},
			{Content: "Expense reports are due on the fifth working day of each month; late reports are paid next month."},
			{Content: "Parking spaces are assigned by the facilities team."},
		})
	if err != nil {
		t.Fatal(err)
	}
	if d.ID == "" || d.ChunkCount != 3 || d.Name != "handbook.md" || d.EmbeddingModel != "" {
		t.Fatalf("document = %+v", d)
	}
	if _, err := s.CreateDocument(ctx, ai.NewDocument{OwnerID: "bob", Name: "bob.txt", ContentType: ai.ContentTypeText, Size: 10},
		[]ai.NewChunk{{Content: "Bob's expense reports are secret."}}); err != nil {
		t.Fatal(err)
	}

	hits, err := s.SearchChunks(ctx, "ada", "When is my expense report due?", 5)
	if err != nil || len(hits) == 0 {
		t.Fatalf("SearchChunks = %+v, %v", hits, err)
	}
	if h := hits[0]; h.DocumentID != d.ID || h.Seq != 1 || h.DocumentName != "handbook.md" || h.Score <= 0 {
		t.Fatalf("best hit = %+v", h)
	}
	for _, h := range hits {
		if h.DocumentID != d.ID {
			t.Fatalf("another owner's chunk retrieved: %+v", h)
		}
	}
	if hits, err := s.SearchChunks(ctx, "ada", "?!", 5); err != nil || len(hits) != 0 {
		t.Fatalf("no words = %+v, %v", hits, err)
	}

	// A row the database refuses (a name over 255 characters, which the domain's
	// ValidateUpload would have caught) rolls the whole document back.
	long := make([]byte, 300)
	for i := range long {
		long[i] = 'n'
	}
	_, err = s.CreateDocument(ctx, ai.NewDocument{OwnerID: "ada", Name: string(long), ContentType: ai.ContentTypeText, Size: 1},
		[]ai.NewChunk{{Content: "x"}})
	if err == nil {
		t.Fatal("an over-long name was stored")
	}
	if n := count(t, pool, `SELECT count(*) FROM documents`); n != 2 {
		t.Fatalf("%d documents", n)
	}
	_, err = s.CreateDocument(ctx, ai.NewDocument{OwnerID: "ada", Name: "e.txt", ContentType: ai.ContentTypeText, Size: 1}, nil)
	wantCode(t, "no chunks", err, errs.Invalid)

	list, err := s.Documents(ctx, "ada")
	if err != nil || len(list) != 1 || list[0].ID != d.ID {
		t.Fatalf("Documents = %+v, %v", list, err)
	}
	_, err = s.Document(ctx, "bob", d.ID)
	wantCode(t, "bob reads ada's document", err, errs.NotFound)
	wantCode(t, "bob deletes ada's document", s.DeleteDocument(ctx, "bob", d.ID), errs.NotFound)
	if err := s.DeleteDocument(ctx, "ada", d.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, pool, `SELECT count(*) FROM chunks WHERE owner_id = 'ada'`); n != 0 {
		t.Fatalf("%d chunks left", n)
	}
}

func TestCosineRetrieval(t *testing.T) {
	ctx := context.Background()
	s, pool := newStore(t)
	d, err := s.CreateDocument(ctx, ai.NewDocument{OwnerID: "ada", Name: "v.txt", ContentType: ai.ContentTypeText, Size: 3, EmbeddingModel: "emb-1"},
		[]ai.NewChunk{
			{Content: "east", Embedding: []float32{10, 0, 0}},
			{Content: "north-east", Embedding: []float32{1, 1, 0}},
			{Content: "up", Embedding: []float32{0, 0, 3}},
			{Content: "west", Embedding: []float32{-2, 0, 0}},
		})
	if err != nil {
		t.Fatal(err)
	}
	// Another owner's identical vector, and another embedding model's, are never seen.
	if _, err := s.CreateDocument(ctx, ai.NewDocument{OwnerID: "bob", Name: "b.txt", ContentType: ai.ContentTypeText, Size: 1, EmbeddingModel: "emb-1"},
		[]ai.NewChunk{{Content: "bob", Embedding: []float32{0.2, 1, 0}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDocument(ctx, ai.NewDocument{OwnerID: "ada", Name: "o.txt", ContentType: ai.ContentTypeText, Size: 1, EmbeddingModel: "emb-2"},
		[]ai.NewChunk{{Content: "other model", Embedding: []float32{0.2, 1, 0}}}); err != nil {
		t.Fatal(err)
	}
	// Stored at unit length.
	var norm float64
	if err := pool.QueryRow(ctx, `SELECT sqrt(sum(x*x)) FROM chunks, unnest(embedding) x WHERE content = 'east'`).Scan(&norm); err != nil || math.Abs(norm-1) > 1e-6 {
		t.Fatalf("stored norm = %v, %v", norm, err)
	}

	hits, err := s.NearestChunks(ctx, "ada", "emb-1", []float32{0.2, 1, 0}, 3) // closest to north-east
	if err != nil || len(hits) != 3 {
		t.Fatalf("NearestChunks = %+v, %v", hits, err)
	}
	if hits[0].Content != "north-east" || hits[0].DocumentID != d.ID || hits[0].Seq != 1 || hits[1].Content != "east" || hits[2].Content != "up" {
		t.Fatalf("order = %s, %s, %s", hits[0].Content, hits[1].Content, hits[2].Content)
	}
	want := (0.2 + 1) / math.Sqrt(2) / math.Sqrt(1.04)
	if math.Abs(hits[0].Score-want) > 1e-5 {
		t.Fatalf("cosine = %v, want %v", hits[0].Score, want)
	}
	hits, err = s.NearestChunks(ctx, "ada", "emb-1", []float32{-1, 0, 0}, 1)
	if err != nil || len(hits) != 1 || hits[0].Content != "west" || math.Abs(hits[0].Score-1) > 1e-6 {
		t.Fatalf("west = %+v, %v", hits, err)
	}
	// A query of another dimension matches nothing rather than failing.
	if hits, err := s.NearestChunks(ctx, "ada", "emb-1", []float32{1, 0}, 3); err != nil || len(hits) != 0 {
		t.Fatalf("other dimension = %+v, %v", hits, err)
	}
	_, err = s.NearestChunks(ctx, "ada", "emb-1", []float32{0, 0, 0}, 3)
	wantCode(t, "zero query", err, errs.Internal)
}

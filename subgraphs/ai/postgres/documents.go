package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"fedstack/platform/errs"
	"fedstack/subgraphs/ai"
)

const documentColumns = `id::text, owner_id, name, content_type, size, chunk_count, embedding_model, created_at`

func scanDocument(row pgx.Row) (*ai.Document, error) {
	var d ai.Document
	if err := row.Scan(&d.ID, &d.OwnerID, &d.Name, &d.ContentType, &d.Size, &d.ChunkCount, &d.EmbeddingModel, &d.CreatedAt); err != nil {
		return nil, err
	}
	d.CreatedAt = utc(d.CreatedAt)
	return &d, nil
}

// CreateDocument implements ai.DocumentStore. Embeddings are stored at unit length.
func (s *Store) CreateDocument(ctx context.Context, nd ai.NewDocument, chunks []ai.NewChunk) (*ai.Document, error) {
	if err := ai.ValidateChunks(chunks); err != nil {
		return nil, err
	}
	embedded := len(chunks[0].Embedding) > 0
	if embedded != (nd.EmbeddingModel != "") {
		return nil, errs.E(errs.Internal, "CreateDocument: an embedding model goes with embeddings, and only with them")
	}
	if nd.OwnerID == "" {
		return nil, errs.E(errs.Internal, "CreateDocument needs an owner")
	}
	rowsIn := make([][]any, len(chunks))
	var doc *ai.Document
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id pgtype.UUID
		var err error
		doc, err = scanDocument(tx.QueryRow(ctx,
			`INSERT INTO documents (owner_id, name, content_type, size, chunk_count, embedding_model)
			 VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+documentColumns,
			nd.OwnerID, nd.Name, nd.ContentType, nd.Size, len(chunks), nd.EmbeddingModel))
		if err != nil {
			return err
		}
		id, _ = parseUUID(doc.ID)
		for i, c := range chunks {
			var emb []float32
			if embedded {
				if emb, err = ai.Normalize(c.Embedding); err != nil {
					return err
				}
			}
			rowsIn[i] = []any{id, i, nd.OwnerID, nd.EmbeddingModel, c.Content, emb}
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"chunks"},
			[]string{"document_id", "seq", "owner_id", "embedding_model", "content", "embedding"}, pgx.CopyFromRows(rowsIn))
		return err
	})
	if err != nil {
		return nil, storeErr(err, "storing a document")
	}
	return doc, nil
}

// Documents implements ai.DocumentStore.
func (s *Store) Documents(ctx context.Context, ownerID string) ([]*ai.Document, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT `+documentColumns+` FROM documents WHERE owner_id = $1 ORDER BY created_at DESC, id DESC`, ownerID)
	if err != nil {
		return nil, errs.Wrap(err, "listing documents")
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*ai.Document, error) { return scanDocument(r) })
	if err != nil {
		return nil, errs.Wrap(err, "listing documents")
	}
	return list, nil
}

// Document implements ai.DocumentStore.
func (s *Store) Document(ctx context.Context, ownerID, id string) (*ai.Document, error) {
	did, ok := parseUUID(id)
	if !ok {
		return nil, notFound(ai.ErrDocumentNotFound)
	}
	d, err := scanDocument(s.pool.QueryRow(ctx, `SELECT `+documentColumns+` FROM documents WHERE id = $1 AND owner_id = $2`, did, ownerID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ai.ErrDocumentNotFound)
	}
	if err != nil {
		return nil, errs.Wrap(err, "reading a document")
	}
	return d, nil
}

// DeleteDocument implements ai.DocumentStore.
func (s *Store) DeleteDocument(ctx context.Context, ownerID, id string) error {
	did, ok := parseUUID(id)
	if !ok {
		return notFound(ai.ErrDocumentNotFound)
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM documents WHERE id = $1 AND owner_id = $2`, did, ownerID)
	if err != nil {
		return errs.Wrap(err, "deleting a document")
	}
	if tag.RowsAffected() == 0 {
		return notFound(ai.ErrDocumentNotFound)
	}
	return nil
}

// maxQueryWords bounds the words of a retrieval query.
const maxQueryWords = 64

// orQuery turns free text into a to_tsquery operand list matching any of its words:
// only letters and digits are kept, so the result cannot break tsquery syntax.
// A question rarely repeats every word of the passage that answers it, so retrieval
// ORs the words (ts_rank_cd then favours chunks holding more of them, close together)
// where conversation search ANDs them.
func orQuery(text string) string {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	seen := map[string]bool{}
	var out []string
	for _, w := range words {
		if !seen[w] && len(out) < maxQueryWords {
			seen[w] = true
			out = append(out, w)
		}
	}
	return strings.Join(out, " | ")
}

func limitOr(limit int) int {
	if limit <= 0 || limit > ai.MaxPageSize {
		return 5
	}
	return limit
}

const hitColumns = `c.document_id::text, c.seq, c.content, d.name`

func scanHit(r pgx.CollectableRow) (*ai.ChunkHit, error) {
	var h ai.ChunkHit
	if err := r.Scan(&h.DocumentID, &h.Seq, &h.Content, &h.DocumentName, &h.Score); err != nil {
		return nil, err
	}
	return &h, nil
}

// SearchChunks implements ai.DocumentStore.
func (s *Store) SearchChunks(ctx context.Context, ownerID, query string, limit int) ([]*ai.ChunkHit, error) {
	q := orQuery(query)
	if q == "" {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx,
		`WITH q AS (SELECT to_tsquery('english', $2) AS q)
		 SELECT `+hitColumns+`, ts_rank_cd(c.search, q.q)::float8 AS score
		 FROM chunks c JOIN documents d ON d.id = c.document_id, q
		 WHERE c.owner_id = $1 AND c.search @@ q.q
		 ORDER BY score DESC, d.created_at DESC, c.seq
		 LIMIT $3`, ownerID, q, limitOr(limit))
	if err != nil {
		return nil, errs.Wrap(err, "searching documents")
	}
	hits, err := pgx.CollectRows(rows, scanHit)
	if err != nil {
		return nil, errs.Wrap(err, "searching documents")
	}
	return hits, nil
}

// NearestChunks implements ai.DocumentStore. The similarity is computed in SQL: stored
// vectors are unit length, so cosine is the dot product with the normalised query,
// summed over unnest(embedding, query). Only the best rows leave the database, where
// ranking in Go would ship every vector of the owner (4 bytes × dimensions × chunks)
// on each question.
func (s *Store) NearestChunks(ctx context.Context, ownerID, embeddingModel string, vector []float32, limit int) ([]*ai.ChunkHit, error) {
	v, err := ai.Normalize(vector)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx,
		`SELECT `+hitColumns+`,
		        (SELECT sum(a::float8 * b::float8) FROM unnest(c.embedding, $3::real[]) AS t(a, b)) AS score
		 FROM chunks c JOIN documents d ON d.id = c.document_id
		 WHERE c.owner_id = $1 AND c.embedding_model = $2 AND c.embedding IS NOT NULL
		       AND cardinality(c.embedding) = cardinality($3::real[])
		 ORDER BY score DESC, d.created_at DESC, c.seq
		 LIMIT $4`, ownerID, embeddingModel, v, limitOr(limit))
	if err != nil {
		return nil, errs.Wrap(err, "searching documents by embedding")
	}
	hits, err := pgx.CollectRows(rows, scanHit)
	if err != nil {
		return nil, errs.Wrap(err, "searching documents by embedding")
	}
	return slices.Clip(hits), nil
}

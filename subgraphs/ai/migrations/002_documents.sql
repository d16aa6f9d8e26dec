-- The knowledge base: uploaded text and Markdown documents split into chunks.
--
-- pgvector is not available, so embeddings are float4[] stored at unit length (cosine
-- similarity is then a dot product, computed in SQL over the owner's chunks of one
-- embedding model). With pgvector the column converts with embedding::vector.
CREATE TABLE documents (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    owner_id        text NOT NULL CHECK (length(owner_id) BETWEEN 1 AND 100),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    content_type    text NOT NULL CHECK (content_type IN ('text/plain', 'text/markdown')),
    size            bigint NOT NULL CHECK (size >= 0),
    chunk_count     integer NOT NULL CHECK (chunk_count >= 0),
    -- The model that embedded the chunks, '' when they have no embeddings.
    embedding_model text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX documents_owner ON documents (owner_id, created_at DESC, id DESC);

CREATE TABLE chunks (
    document_id     uuid NOT NULL REFERENCES documents (id) ON DELETE CASCADE,
    seq             integer NOT NULL CHECK (seq >= 0),
    owner_id        text NOT NULL, -- the document's, copied so retrieval reads one table
    embedding_model text NOT NULL DEFAULT '',
    content         text NOT NULL CHECK (content <> ''),
    search          tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, content)) STORED,
    embedding       real[] CHECK (embedding IS NULL OR (array_ndims(embedding) = 1 AND cardinality(embedding) > 0)),
    PRIMARY KEY (document_id, seq),
    CHECK ((embedding IS NULL) = (embedding_model = ''))
);

CREATE INDEX chunks_search ON chunks USING gin (owner_id, search);
CREATE INDEX chunks_embedded ON chunks (owner_id, embedding_model) WHERE embedding IS NOT NULL;

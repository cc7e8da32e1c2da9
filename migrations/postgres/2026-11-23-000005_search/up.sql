-- Full-text search: one document per searchable record, its title and body folded in Rust (SQL
-- cannot fold Vietnamese: lower case, no diacritics, đ as d) and kept as written for snippets.
-- Every write keeps it in step in its own transaction; records written before this migration are
-- indexed at start-up, after migrations. See src/search/mod.rs.
CREATE TABLE search_documents (
    id BIGSERIAL PRIMARY KEY,
    resource TEXT NOT NULL CHECK (resource IN ('articles','meetings','directives','people','organizations')),
    resource_id BIGINT NOT NULL,
    public BOOLEAN NOT NULL,
    recency TIMESTAMP NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    original_title TEXT NOT NULL,
    original_body TEXT NOT NULL,
    UNIQUE (resource, resource_id)
);
CREATE INDEX search_documents_order_idx ON search_documents (resource, recency, id);
-- Walked newest first by searches for common words; it holds what they filter on, so the walk
-- reads no table row.
CREATE INDEX search_documents_recency_idx ON search_documents (recency, id) INCLUDE (resource, resource_id, public);

-- PostgreSQL's index of search_documents (SQLite's is the FTS5 table of the same name): the
-- vectors of each document's folded title and of the whole document, its title lexemes weighing
-- A and its body lexemes B, so that a phrase is matched within one of the two, never across them.
-- Kept by the trigger below, so that code writes search_documents only. Stored rather than an
-- expression index: a plan that checks documents one by one, newest first, reads a vector
-- instead of rebuilding it from the text.
CREATE TABLE search_fts (
    id BIGINT PRIMARY KEY REFERENCES search_documents (id) ON DELETE CASCADE,
    title TSVECTOR NOT NULL,
    document TSVECTOR NOT NULL
);
-- Document vectors go to TOAST storage at once, so that the table holds small rows (ids and title
-- vectors) that stay in memory for the searches that walk it row by row.
ALTER TABLE search_fts SET (toast_tuple_target = 256);
CREATE INDEX search_fts_title_idx ON search_fts USING GIN (title);
CREATE INDEX search_fts_document_idx ON search_fts USING GIN (document);

CREATE FUNCTION search_fts_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_fts (id, title, document)
    VALUES (
        NEW.id,
        to_tsvector('simple', NEW.title),
        setweight(to_tsvector('simple', NEW.title), 'A') || setweight(to_tsvector('simple', NEW.body), 'B')
    )
    ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, document = EXCLUDED.document;
    RETURN NULL;
END
$$;
CREATE TRIGGER search_fts_write AFTER INSERT OR UPDATE OF title, body ON search_documents
    FOR EACH ROW EXECUTE FUNCTION search_fts_write();

-- Names are searched through the index now: one search mechanism.
ALTER TABLE organizations DROP COLUMN name_folded;
ALTER TABLE people DROP COLUMN name_folded;

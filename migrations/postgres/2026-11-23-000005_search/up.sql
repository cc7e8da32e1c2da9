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
-- Queries repeat this expression exactly, so that the index serves them. Title lexemes weigh A
-- and body lexemes B, so that a phrase is matched within one of the two, never across them.
CREATE INDEX search_documents_match_idx ON search_documents USING GIN (
    (setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', body), 'B'))
);
CREATE INDEX search_documents_order_idx ON search_documents (resource, recency, id);

-- Names are searched through the index now: one search mechanism.
ALTER TABLE organizations DROP COLUMN name_folded;
ALTER TABLE people DROP COLUMN name_folded;

-- Full-text search: one document per searchable record, its title and body folded in Rust (SQL
-- cannot fold Vietnamese: lower case, no diacritics, đ as d) and kept as written for snippets.
-- Every write keeps it in step in its own transaction; records written before this migration are
-- indexed at start-up, after migrations. See src/search/mod.rs.
CREATE TABLE search_documents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
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
CREATE INDEX search_documents_recency_idx ON search_documents (recency, id);

-- The FTS5 index over the folded title and body, reading them from search_documents (external
-- content) and kept in step by the triggers below, so that code writes search_documents only.
-- The text is folded already: the tokenizer only splits it into words, as PostgreSQL's does.
CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body,
    content = 'search_documents', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 0',
    columnsize = 0
);
CREATE TRIGGER search_fts_insert AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER search_fts_delete AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER search_fts_update AFTER UPDATE OF title, body ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

-- Names are searched through the index now: one search mechanism.
DROP INDEX organizations_name_folded_idx;
DROP INDEX people_name_folded_idx;
ALTER TABLE organizations DROP COLUMN name_folded;
ALTER TABLE people DROP COLUMN name_folded;

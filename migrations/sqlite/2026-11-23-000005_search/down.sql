DROP TRIGGER search_fts_update;
DROP TRIGGER search_fts_delete;
DROP TRIGGER search_fts_insert;
DROP TABLE search_fts;
DROP TABLE search_documents;
ALTER TABLE organizations ADD COLUMN name_folded TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN name_folded TEXT NOT NULL DEFAULT '';
CREATE INDEX organizations_name_folded_idx ON organizations (name_folded);
CREATE INDEX people_name_folded_idx ON people (name_folded);

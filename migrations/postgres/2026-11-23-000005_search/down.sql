DROP TRIGGER search_fts_write ON search_documents;
DROP FUNCTION search_fts_write();
DROP TABLE search_fts;
DROP TABLE search_documents;
ALTER TABLE organizations ADD COLUMN name_folded TEXT NOT NULL DEFAULT '';
ALTER TABLE people ADD COLUMN name_folded TEXT NOT NULL DEFAULT '';
CREATE INDEX organizations_name_folded_idx ON organizations (name_folded);
CREATE INDEX people_name_folded_idx ON people (name_folded);

-- An article may wait for its publication time: `scheduled`. Widening a CHECK changes nothing on
-- disk (every stored row passes the wider one), so the table's declaration is edited in place,
-- as SQLite's documentation on ALTER TABLE allows for such changes, instead of copying the table.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (status IN (''draft'',''published'',''archived''))',
                  'CHECK (status IN (''draft'',''scheduled'',''published'',''archived''))')
WHERE type = 'table' AND name = 'articles';
PRAGMA writable_schema = OFF;
-- Fails the migration unless the declaration changed.
CREATE TEMP TABLE scheduled_migration_guard (widened INTEGER CHECK (widened = 1));
INSERT INTO scheduled_migration_guard
SELECT count(*) FROM sqlite_schema
WHERE type = 'table' AND name = 'articles' AND sql LIKE '%''scheduled''%';
DROP TABLE scheduled_migration_guard;
-- A schema change moves the schema cookie, so every open connection reads the new declaration;
-- this one reads it again at once.
CREATE TABLE schema_cookie_bump (x);
DROP TABLE schema_cookie_bump;
PRAGMA writable_schema = RESET;
-- What the scheduler looks for, in the order it publishes.
CREATE INDEX articles_scheduled_idx ON articles (published_at, id) WHERE status = 'scheduled';

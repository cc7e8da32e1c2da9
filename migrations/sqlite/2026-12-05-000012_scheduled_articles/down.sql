DROP INDEX articles_scheduled_idx;
UPDATE articles SET status = 'draft' WHERE status = 'scheduled';
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, 'CHECK (status IN (''draft'',''scheduled'',''published'',''archived''))',
                  'CHECK (status IN (''draft'',''published'',''archived''))')
WHERE type = 'table' AND name = 'articles';
PRAGMA writable_schema = OFF;
CREATE TABLE schema_cookie_bump (x);
DROP TABLE schema_cookie_bump;
PRAGMA writable_schema = RESET;
